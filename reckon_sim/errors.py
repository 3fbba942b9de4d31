"""User-facing input errors: one line naming the file/field and the allowed range; the CLI exits 2."""


class InputError(ValueError):
    """Bad user input (file, field, register value, size); str(err) is the single line shown to the user."""

    def __init__(self, where: str, message: str):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class InputWarning(UserWarning):
    """Suspicious but runnable input (e.g. events on input channels the configuration does not have); the CLI
    shows it as one stderr line `reckon-sim CMD: warning: MSG`."""
