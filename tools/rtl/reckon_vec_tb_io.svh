// reckon_vec_tb_io.svh: small helpers, SPI master, AER sender - part of reckon_vec_tb.sv (`include'd inside the module; not a compilation unit of its own).
    // ---------------------------------------------------------------- small helpers
    task automatic ncyc(input integer n);
        integer i;
        for (i = 0; i < n; i = i + 1) @(negedge CLK);
    endtask

    function automatic reg pin(input integer which);
        case (which)
            0: pin = AERIN_ACK;
            1: pin = TIMING_ERROR_RDY;
            2: pin = OUT_REQ;
            default: pin = 1'bx;
        endcase
    endfunction

    task automatic finish_run(input [8*96-1:0] why);
        begin
            if (why != 0) $display("[reckon_vec_tb] %0s", why);
            $display("[reckon_vec_tb] RESULT: %0s (%0d samples checked, %0d passed, %0d failed)",
                     (n_fail == 0 && why == 0 && n_samples > 0) ? "PASS" : "FAIL", n_samples, n_pass, n_fail);
            if (n_fail == 0 && why == 0 && n_samples > 0) $finish;
            else $fatal(1, "[reckon_vec_tb] FAIL");              // non-zero exit status for scripts and CI
        end
    endtask

    // every $fscanf result is checked (an unread result lets Verilator drop the call as dead code)
    task automatic scan_ok(input integer got, input integer want);
        if (got != want) finish_run("malformed or truncated vector file (see FORMAT.md)");
    endtask

    // wait (at falling edges) until pin `which` equals `level`
    task automatic wait_pin(input integer which, input reg level);
        integer n;
        begin
            n = 0;
            while (pin(which) !== level && n < timeout) begin
                @(negedge CLK);
                n = n + 1;
            end
            if (n >= timeout) begin
                $display("[reckon_vec_tb] sample %04d: FAIL  timeout: %0d cycles waiting for %0s = %0d",
                         s_gidx, timeout, which == 0 ? "AERIN_ACK" : (which == 1 ? "TIMING_ERROR_RDY" : "OUT_REQ"),
                         level);
                n_fail = n_fail + 1;
                finish_run("timeout");
            end
        end
    endtask

    task automatic open_or_die(output integer fd, input string path);
        begin
            fd = $fopen(path, "r");
            if (fd == 0) begin
                $display("[reckon_vec_tb] cannot open %0s", path);
                finish_run("missing vector file");
            end
        end
    endtask

    // ---------------------------------------------------------------- SPI master (mode 0, MSB first)
    // MOSI changes while SCK is low; MISO is sampled just before each rising edge.
    task automatic spi_word(input [31:0] dout, output [31:0] din);
        integer i;
        begin
            din = 32'd0;
            for (i = 31; i >= 0; i = i - 1) begin
                MOSI = dout[i];
                #(sck_half);
                din = {din[30:0], MISO};
                SCK = 1'b1;
                #(sck_half);
                SCK = 1'b0;
            end
        end
    endtask

    task automatic spi_write1(input [31:0] cmd, input [31:0] data);
        begin
            spi_word(cmd, dummy);
            spi_word(data, dummy);
        end
    endtask

    // one transaction from a file; reads (cmd[31] = 1) wait read_gap cycles before each data word (the slave
    // fetches the word through the core's synchronisers) and compare it with the file's expected word
    task automatic spi_file_txn(input integer fd, input [31:0] cmd);
        integer i, n;
        reg [31:0] w, got;
        begin
            n = {20'd0, cmd[27:16]};
            spi_word(cmd, dummy);
            for (i = 0; i < n; i = i + 1) begin
                r = $fscanf(fd, "%h", w);
                scan_ok(r, 1);
                if (cmd[31]) begin
                    #(read_gap * 2 * clk_half);
                    spi_word(32'd0, got);
                    n_words = n_words + 1;
                    if (got !== w) begin
                        bad_words = bad_words + 1;
                        if (bad_words == 1) begin
                            first_cmd = cmd; first_i = i; first_got = got; first_expw = w;
                        end
                    end
                end else
                    spi_word(w, dummy);
            end
        end
    endtask

    task automatic spi_file(input string path);
        integer fd, rr;
        reg [31:0] cmd;
        begin
            open_or_die(fd, path);
            rr = $fscanf(fd, "%h", cmd);
            while (rr == 1) begin
                spi_file_txn(fd, cmd);
                rr = $fscanf(fd, "%h", cmd);
            end
            $fclose(fd);
        end
    endtask

    // ---------------------------------------------------------------- AER (four-phase, REQ synchronised by the DUT)
    task automatic aer_send(input [7:0] addr, input reg tar);
        begin
            wait_pin(0, 1'b0);
            AERIN_ADDR = addr;
            AERIN_TAR_EN = tar;
            @(negedge CLK);
            AERIN_REQ = 1'b1;
            wait_pin(0, 1'b1);
            ack_at = cyc;                  // a GET_TAR ends at the edge its last target byte is acknowledged
            AERIN_REQ = 1'b0;
            wait_pin(0, 1'b0);
            AERIN_TAR_EN = 1'b0;
        end
    endtask
