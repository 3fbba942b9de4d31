"""FORMAT.md of a vector folder (written by `reckon-sim vectors`; also the reference for tools/rtl)."""

FORMAT_DOC = """\
# ReckOn RTL test vectors (format version 6)

Written by `reckon-sim vectors` from a run of the bit-exact model, playing a host program (README "Operating
modes"; `manifest.json` `bench.host`). Version 2 adds record 5 and `expect/send_NNNN.hex` (per-tick SEND), record 6
(CONFIG visits) and counts their cycles in the second column of `expect/cycles_NNNN.hex`; version 3 adds record 7
(tick period, SPI_TIMING_MODE, a halt) and `expect/timing.hex`; version 4 adds record 9 (SAMPLE falling mid-tick);
version 5 lets record 8 list cut ticks (a tick that cuts a PROP scan) and record 7's `timing_error` carry bit 1
(a local-tick free run), adds record 10 (local ticks from a CONFIG visit), record 11 and `expect/gettar_NNNN.hex`
(GET_TARs REQ_TAR does not show, a hang in GET_TAR) and ready-host ticks with SPI_TIMING_MODE = 1 (record 7 with
`period` 0); version 6 adds record 12 (don't-care read words of a code-0 read before any SPI read since reset); a
folder of an earlier version is a valid version-6 folder. Every `.hex`/`.mem` file is ASCII text of
lower-case hexadecimal tokens without `0x`, separated by spaces and newlines, readable by `$readmemh` (as a flat
word stream) and by `$fscanf(fd, "%h", x)`. Sample files are numbered by `gidx` (0, 1, ... in execution order:
for each epoch the training samples, then the test samples). Tick k = 1..T; line k of a per-tick file is tick k.

## Files

| file | content |
|---|---|
| `manifest.json` | format version, configuration (`config.json` form), run shape, every file with its kind and format, per-sample label / expected OUT_DATA |
| `spi_program.hex` | SPI programming after reset: one transaction per line (below) |
| `mem/{neur,winp,wrec,wout}_init.mem` | `$readmemh` images of the four SRAMs after programming |
| `mem/{neur,winp,wrec,wout}_NNNN.mem` | images expected after sample NNNN (end of the sample, chip back in IDLE) |
| `stimulus.hex` | the host's tick stream for the whole run (below) |
| `expect/outputs.hex` | per sample: `gidx n item_0 .. item_n-1` = the OUT_DATA bytes of the SEND state |
| `expect/cycles_NNNN.hex` | per tick: `cycles host` = clock cycles of the tick (golden `tick_cycles`) and its host-paced cycles (GET_TAR + CONFIG + per-tick SEND) |
| `expect/send_NNNN.hex` | SEND_PER_TIMESTEP only: per tick k = 2..T-1, `k n item_0 .. item_n-1` = the OUT_DATA items of that tick's SEND (k: the host tick; none for a lost tick, record 8; a cut tick's line follows its busy tick's, whose bench tick takes both SENDs) |
| `expect/gettar_NNNN.hex` | version 5, only with record 11: per GET_TAR the bench is told of, `k c n` = host tick k enters GET_TAR at core cycle c (the tick-start cycle is 0, STEP starts at 1; CONFIG cycles not counted) and leaves it with the n-th target transfer (n = 0: the host's transfers never end it, the chip hangs) |
| `expect/local_NNNN.hex` | version 6, only with record 10: per local tick `j g` = host tick j comes g cycles after the time_tick of the chip tick it lands in (starting a tick, or lost / cutting a scan; record 8), up to an SPI_LOCAL_TICK := 0 (read by `tools/rtl/reckon_replay.sv`; the bench and the cocotb host check each tick-starting one against its row, also after a later SPI_CYCLES_PER_TICK write) |
| `expect/timing.hex` | version 3, only with record 7: per sample `gidx period halt_tick timing_error timing_mode` (record 7's fields; read by `tools/rtl/reckon_replay.sv`) |
| `expect/config_reads.hex` | CONFIG visits only (`vectors --probe-every N`): per visit `gidx k n word_0 .. word_n-1` = the words its SPI reads return in tick k (the same words as record 6, an undefined one (record 12) as `00000000`; read by `tools/rtl/reckon_replay.sv`) |
| `expect/state_NNNN.hex` | per tick: `k z inp u tinp trec tout oneur_u` (below) |
| `expect/readback_NNNN.hex` | SPI read-back transactions after sample NNNN with the expected data words |
| `model.vcd` | the per-tick state as a VCD (GTKWave): time = model clock cycles x 20 ns |
| `tbench/` | drop-in set for the released ReckOn testbench: `tbench.h` (every `SPI_*` define) + datasets and initial weights in the stock formats |

## SRAM images (`*.mem`)

One 128-bit word per line, 32 hex digits, bit 127 first; line w = word w (neuron 128 words, input and
recurrent weights 4096, output weights 512). Layouts (spec §3): neuron word w = neurons 2w (bits 49:0) and
2w+1 (99:50), each `u` 15:0 (signed), `tinp` 27:16, `trec` 39:28, `tout` 49:40 (+50 for slot 1), `thr` 115:100,
`alpha_lsb` 127:116; weight word `{pre, post[7:4]}` byte `post[3:0]` = W[pre][post]; output-weight word `pre`
byte k = Wout[pre][k]. Never-written words are 0 (the model's zero-memory convention).

## SPI transactions (`spi_program.hex`, `readback_*.hex`)

One transaction per line: the 32-bit command word `{rw, code[2:0], count[11:0], addr[15:0]}` then its `count`
data words (8 hex digits each). rw 0 = write, 1 = read; code 0 config register, 1 neuron SRAM, 2 output membranes (address = output index, one
16-bit value per data word), 3 input weights,
4 recurrent weights, 5 output weights; memory addresses are `word << 2 | quarter` and auto-increment per data
word; data word = bits 32q+31..32q of the word. In a read-back file the data words are the *expected* values.
`spi_program.hex`: `SPI_EN_CONF = 1`, every register in table order (golden `spi_conf_writes`), `SPI_EN_CONF = 0`,
`SPI_EN_CONF = 1`, input / recurrent / output weights and neuron words, `SPI_EN_CONF = 0`. Every word of the
*reachable region* is written (weight rows 0..NUM_NEUR in whole 16-post blocks up to NUM_REC, output rows
0..NUM_NEUR, neuron words up to the highest neuron the chip visits): zeros where the stock bench writes nothing,
so a simulator whose memories start as X begins in the model's state. The read-back files cover the same
region, then all 16 output membranes (zero: the chip clears them on entering IDLE); the bench wraps them in `SPI_EN_CONF = 1` ... `SPI_EN_CONF = 0` (reads only work while it is set).

## Stimulus (`stimulus.hex`)

A stream of records, one per line, first token = opcode:

| record | meaning |
|---|---|
| `1 cmd data` | SPI write transaction with one data word (phase switch before the first sample of a phase, and before a sample that follows one whose CONFIG visits wrote `SPI_DO_EPROP`: `SPI_EN_CONF` 1, `SPI_DO_EPROP`, `SPI_EN_CONF` 0) |
| `2 gidx epoch phase index T n_items` | sample start (phase 0 train, 1 test; index = sample in its dataset file; n_items OUT_DATA items at the end) |
| `3 j levels n_aer n_tar n_req aer.. tar.. req..` | step j = 0..T-1, what the host does after tick j (j = 0: before tick 1), then it sends tick j+1 |
| `4 gidx` | sample end: read the n_items OUT_DATA items, drop TARGET_VALID and INFER_ACC, check the read-back |
| `6 cmd data..` | (version 2; before step j's record 3) one SPI transaction of the CONFIG visit in tick j+1 (count = cmd[27:16] data words; read data = the words expected) |
| `5 n` | (version 2; right after record 2) SEND_PER_TIMESTEP: the chip sends up to n OUT_DATA items in each tick 2..T-1, expected in `expect/send_NNNN.hex` (a line per tick; `k 0` for a tick without SEND, e.g. before a CONFIG visit writes SPI_SEND_PER_TIMESTEP := 1) |
| `7 period halt_tick timing_error timing_mode` | (version 3; after record 2 and 5) how the host paces this sample's ticks and where the chip halts (below) |
| `8 n tick..` | (version 3; after record 7) the n host ticks of this sample that are lost (SPI_ERROR_HALT = 0, below) |
| `9 k n end` | (version 4; after records 5, 7, 8) SAMPLE falls n clock edges after the TIME_TICK rise of tick k (below) |
| `a k o c` | (version 5; after record 9) a CONFIG visit of tick k writes SPI_LOCAL_TICK := 1 (SPI_CYCLES_PER_TICK = c): the chip starts tick k+1 itself o cycles after tick k's time_tick edge and every later tick c cycles after the previous one (a later visit's SPI_CYCLES_PER_TICK write, record 6 of tick k2's visit, sets c; a later SPI_LOCAL_TICK := 0 / := 1 hands the ticks to the host and back); the host raises no TIME_TICK while the local ticks run and checks each start against `expect/local_NNNN.hex` (these rules only without that file; README "Operating modes") |
| `b n miso` | (version 5; after records 5, 7, 8, 9) the sample's n GET_TARs in `expect/gettar_NNNN.hex`; miso = 1 iff REQ_TAR shows on MISO (SPI_GET_TAR_REQ_OUT) (below) |
| `c` | (version 6; right before a record 6 of a read) the read's data words are undefined, don't-care: a code-0 read before any SPI read since reset shows SRNN_READBACK, which has no reset (X in 4-state simulators, a build-dependent value in Verilator); record 6 and `expect/config_reads.hex` carry them as `00000000`, the host does not compare them |
| `0` | end of the run |

Within a step the host sends the `aer` addresses as input events (AERIN_TAR_EN = 0, four-phase handshake), then
the `tar` bytes as target transfers (AERIN_TAR_EN = 1; the class label after TARGET_TICK in training), then sets
`levels` (bit 0 SAMPLE, bit 1 TARGET_VALID, bit 2 INFER_ACC), then pulses TIME_TICK and waits until
TIMING_ERROR_RDY is high again (or, when SAMPLE is 0, for OUT_REQ: that is tick T). `req` bytes (regression) are
target transfers the chip asks for during tick j+1: the host sends them when REQ_TAR shows on MISO (GET_TAR), or
at the cycle record 11 gives.
`req` bytes answer a GET_TAR of any mode: the class label (one byte: SPI_SINGLE_LABEL = 0, e-prop in test passes
with every-tick regularisation) or 2 x NOUT regression bytes; a step whose tick makes no request leaves them
unsent. With record 5 the host acknowledges each OUT_REQ of a tick < T at once (OUT_ACK high at the first falling
clock edge that sees OUT_REQ high, low at the first that sees it low) and compares the items. With record(s) 6
the host writes `SPI_EN_CONF = 1` after the step's levels, and when SPI_RDY rises in the tick (the chip waits in
CONFIG after SDONE) plays the transactions, comparing every read word, then writes `SPI_EN_CONF = 0`. Record 6
writes may target any memory (code 1: neuron SRAM, also with addr[9]) or configuration register (code 0, never
`SPI_EN_CONF`); registers keep their new values for the rest of the run, and record 2's `n_items` follows the
registers at the end of its sample.
Timing (golden FORMAT §3.3): an event in step j is integrated in tick j+1; levels raised in step j are seen by
tick j+1.

Record 7 (host `tick_period`, SPI_TIMING_MODE, halts). `period` > 0: TIME_TICK k+1 rises `period` clock edges
after TIME_TICK k (tick 1 as before); the host steps still follow the chip's readiness, so a step that overruns the
period raises the tick late (harmless: only an early tick changes what the chip does). `timing_mode` = 1: the pin
shows TIMING_ERROR, so ticks < T end when the expected `cycles` (plus the measured host-paced cycles) have passed
and the pin must stay low; their cycle counts are not checked (tick T still is, on OUT_REQ). With `period` 0 and
`timing_mode` 1 (the ready host) a tick < T ends at `cycles` (plus the measured host-paced cycles) edges after
its TIME_TICK rise, the earliest edge at which the next TIME_TICK may rise (time_tick reaches the FSM 3 edges
after the rise, in its first ready cycle); a step without events, target bytes or a CONFIG visit that keeps the
levels raises it at that edge, any other step starts 2 edges later (as after the ready pin): a DUT slower than the
model by one cycle before such a step sets TIMING_ERROR, which the host sees on the pin. A faster DUT is not
visible in ticks < T (tick T's count is checked on OUT_REQ). `halt_tick` h > 0:
this is the last sample, with steps up to h-1 and `cycles` rows up to h: in tick h the host raises TIME_TICK h+1
at `period` cycles while the chip is still busy (SPI_ERROR_HALT = 1: TIMING_ERROR is set, the FSM takes one more
step and is held in IDLE), or, with `period` = 0, the chip halted on its own local tick (SPI_LOCAL_TICK = 1).
The host then checks that TIMING_ERROR_RDY rises exactly 3 (`timing_mode` 1) or 4 (`timing_mode` 0) edges after
that TIME_TICK rise, and that for 2000 cycles the pin stays `timing_error` (`timing_mode` 1) or high (IDLE),
with OUT_REQ and REQ_TAR low. No OUT_DATA, images or read-back are expected for that sample (the state after the
cut is not modelled); the run ends there (the chip leaves IDLE only after a reset). `timing_error` bit 1 set
(values 2, 3; `halt_tick` 1, `period` 0): a local-tick free run (SPI_LOCAL_TICK = 1, SPI_CYCLES_PER_TICK = 1,
SPI_ERROR_HALT = 0: the chip runs PROP 1 cycle, STEP, SDONE, PROP, .. and is never ready again): the pin must
stay low (`timing_mode` 0) or `timing_error` bit 0 (`timing_mode` 1) for the 2000 cycles, OUT_REQ and REQ_TAR
low; bit 0 is TIMING_ERROR as before. `timing_error` bit 2 set (value 5): the chip halts inside the CONFIG visit
of tick h, at its SPI_ERROR_HALT := 1 write, TIMING_ERROR being set already (a lost or cut tick before, in this
or an earlier sample): the host raises no early TIME_TICK, plays the visit to its end (SPI reads and writes work
in IDLE as in CONFIG: its read words are compared) and then checks the 2000 cycles held in IDLE as above.
`timing_error` bit 3 set (value 9): TIME_TICK h+1, the host's last, is lost in tick h (record 8 lists it): the
host raises it there, and once tick h is ready checks for 2000 cycles that the chip stays ready and silent (it
waits in PROP for a tick that never comes; the pin shows readiness, or TIMING_ERROR with `timing_mode` 1).

Record 8 (SPI_ERROR_HALT = 0): a lost tick k arrives while tick h < k is still busy before its PROP scan (STEP ..
SEND, e.g. in a CONFIG visit): TIMING_ERROR is set, the input events latched for tick h are wiped, and the FSM
ignores the tick. The host raises it at h's TIME_TICK + (k - h) x `period` whatever it is doing (a tick generator
beside the SPI / AER handshakes), plays step k-1 after tick h is ready like any step, and sends nothing else for
tick k; its `cycles` row is `0 0`. The next tick that is not lost comes a period after the last lost one. With
`timing_mode` = 1 the pin is high from 3 edges after the first lost tick on (TIMING_ERROR stays set until reset).
`state_NNNN.hex` and `model.vcd` rows are the chip's ticks (lost ticks have none).
Record 8 also lists the host ticks that *cut* a PROP scan (README "Operating modes"): tick k arrives in tick
h's PROP scan while it runs; the FSM goes to STEP (tick k starts beside the rest of the scan), but the bench's
tick h lasts until the chip is ready again after tick k (and after any tick that cuts tick k's PROP in turn), so
the generator raises k like a lost tick, the host plays steps h .. k-1 after that readiness, and tick h's
`cycles` row counts from TIME_TICK h to it (k's own cycles included, host-paced cycles summed); k's row is `0 0`.
The manifest's sample rows and `reckon-sim run`'s `cut_ticks` key list the cut ticks with their offsets.

Record 9 (host `sample_fall_cycle`, README "Operating modes"): step k-1 sets SAMPLE high as usual; n edges after
raising TIME_TICK k (the same edge type as the tick generator's) the host drops SAMPLE. `end` is the model's
prediction: 0 = the sample goes on and tick k+1 is its last (steps up to k, SAMPLE low in step k); 1 = tick k is
the last (SAMPLE seen low at SDONE, or, with SEND_PER_TIMESTEP, at tick k's send_done): the host waits
for OUT_REQ as on tick T and reads the final items, tick k's `cycles` counts up to the first SEND cycle; 2 = the
chip hangs in EPROP of tick k (SEND_PER_TIMESTEP = 0, SAMPLE low at EPROP's last cycle): tick k's `cycles` row
counts up to the cycle EPROP would have left; from `cycles + 2` edges after the TIME_TICK rise the host checks
for 2000 cycles that TIMING_ERROR_RDY, OUT_REQ, REQ_TAR (MISO) and SPI_RDY stay low. No OUT_DATA, images or
read-back are expected for a hang sample (the e-prop counters cycle on); the run ends there. With `end` 0 or 1
the sample's `T` in record 2 is the number of ticks the chip runs (the host plays no step after the end). With
record 7's tick period and lost ticks (record 8), k is the chip tick that was busy when the host's SAMPLE fell
(a fall n' cycles after a lost TIME_TICK m periods into tick k is written as n = n' + m * period).

Record 11 (SPI_GET_TAR_REQ_OUT = 0, or a hang in GET_TAR): for each tick k listed in `expect/gettar_NNNN.hex`
the host sends that step's `req` bytes at the edge `c + 2` (plus the measured SPI_RDY cycles) after the TIME_TICK
rise, the edge REQ_TAR would show on MISO, instead of waiting for MISO; that GET_TAR's cycles (host-paced,
excluded from the check) run from that edge to the edge the last byte's AERIN_ACK is seen high (as REQ_TAR's
would, measured on MISO). srnn.v counts target transfers outside GET_TAR too but leaves GET_TAR only on the last
one arriving inside it: a transfer sent early shortens, a late one lengthens the measured tick. A DUT whose
GET_TAR starts late still counts bytes that arrive before it, so STEP lengths are checked in the ticks without
GET_TAR. `n` = 0 (a GET_TAR the host does not answer, e.g. regression with SPI_REGUL_MODE[2:1] = 11 and
TARGET_TICK > 1: the chip asks from tick 2 on, the stock host answers only after TARGET_TICK): this is the last
sample, with steps up to k-1 and `cycles` rows up to k (row k: up to GET_TAR's first cycle); from the edge
`c + 2` on the host checks for 2000 cycles that TIMING_ERROR_RDY (its error level with `timing_mode` 1),
OUT_REQ and SPI_RDY stay low and MISO = `miso` (REQ_TAR), and that MISO was not high before. With a tick `period`
(record 7) and SPI_ERROR_HALT = 0 the host's later ticks are lost in that GET_TAR: record 8 lists them after k, the
host raises them at the period during the check, which lasts until the last one has come (TIMING_ERROR from 3
edges after the first). No OUT_DATA, images or read-back are expected for it; the run ends there.

## Expected per-tick state (`state_NNNN.hex`)

Line k: `k z inp u tinp trec tout oneur_u`, each column one hexadecimal number packing one field per neuron,
neuron/channel/output 0 in the least significant bits: `z` NREC bits (spikes of STEP(k)), `inp` NINP bits
(input events latched for tick k), `u` 16 bits x NREC (two's complement), `tinp`/`trec` 12 bits x NREC, `tout`
10 bits x NREC, `oneur_u` 16 bits x NOUT. Neuron values are dirty-gated and sampled at the end of the tick
(after PROP for k < T, after STEP for k = T; golden FORMAT §4).

## Cycle counts and the bench

`cycles` is counted from the core's tick-start cycle to the first cycle in which it is ready again (k < T) or to
the first SEND cycle (k = T). Seen from the pins, TIMING_ERROR_RDY (OUT_REQ for k = T) is high at the clock edge
`cycles + 2` (`cycles + 3`) after the TIME_TICK rise (`manifest.json` `bench`). Host-paced cycles depend on the
host and are excluded from the comparison: GET_TAR cycles are measured on MISO (REQ_TAR), per-tick SEND cycles
as (last OUT_REQ fall - first OUT_REQ rise + 1) edges, CONFIG cycles as SPI_RDY-high cycles. The model's values are those of this bench: GET_TAR 21 (regression)
or 4 (one class label), SEND 6 n - 2 for n items, CONFIG 128 + 64 per SPI word + 8 per read word.
"""
