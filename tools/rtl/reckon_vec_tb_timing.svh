// reckon_vec_tb_timing.svh: fixed-period tick generator, halts, lost ticks - part of reckon_vec_tb.sv (`include'd inside the module; not a compilation unit of its own).
    // ---------------------------------------------------------------- tick generator (fixed period)
    // TIME_TICK pulses (3 cycles) at gen_base + m * period_p for the gen_left early ticks of the busy tick, raised
    // here so that they come on time while the main process is inside an SPI or AER handshake; it also drops the
    // main process's own pulse (gen_pulse) and times the TIMING_ERROR_RDY rise after the last early tick.
    integer gen_base = 0, gen_m = 1, gen_left = 0, gen_pulse = -1, gen_last = -1, gen_rise = -1;
    integer err_from = -1;         // TIMING_ERROR (sticky until reset) expected high from this edge on
    reg     gen_watch = 1'b0;
    always @(negedge CLK) begin
        if (gen_pulse >= 0 && cyc - gen_pulse >= 3) begin
            TIME_TICK = 1'b0;
            gen_pulse = -1;
        end
        if (gen_watch && TIMING_ERROR_RDY === 1'b1) begin
            gen_rise = cyc - gen_last;
            gen_watch = 1'b0;
        end
        if (fall_base >= 0 && cyc - fall_base >= fall_n) begin   // record 9: SAMPLE falls fall_n edges after TIME_TICK
            SAMPLE = 1'b0;
            fall_base = -1;
        end
        if (gen_left > 0 && cyc - gen_base >= gen_m * period_p) begin
            TIME_TICK = 1'b1;
            gen_pulse = cyc;
            gen_last = cyc;
            if (err_from < 0) err_from = cyc + EDGES_TO_ERROR;
            gen_m = gen_m + 1;
            gen_left = gen_left - 1;
            gen_watch = (gen_left == 0);
        end
    end
    reg     halt_err = 1'b0, tmode = 1'b0, free_run = 1'b0;
    reg     halt_vis = 1'b0;       // record 7 timing_error bit 2: the halt comes at the visit's SPI_ERROR_HALT := 1
    reg     prop_wait = 1'b0;      // record 7 timing_error bit 3: the host's last tick lost, the chip waits in PROP
    localparam EDGES_TO_ERROR = 3, EDGES_TO_HALT = 4, HOLD_CYCLES = 2000;
    reg     probe = 1'b0;          // +probe / +probe_every=N: the vectors must hold CONFIG visits (vectors --probe-every N)
    integer probe_every = 0, n_visits = 0;
    integer r, op, n_pass = 0, n_fail = 0, n_samples = 0;
    reg     done = 1'b0;
    integer s_gidx, s_epoch, s_phase, s_index, s_ticks, s_items;
    integer bad_items, bad_ticks, first_tick, first_meas, first_exp, bad_words, n_words;
    reg [31:0] first_cmd, first_got, first_expw;
    integer first_i;
    reg [7:0] exp_items [0:31];
    reg [7:0] got_items [0:31];
    reg [7:0] req_buf [0:63];
    reg [31:0] dummy;

    // Record 7 halt in tick k: raise the early TIME_TICK now (early = 1; else the chip halted on its own local
    // tick), check when TIMING_ERROR_RDY rises, then that the chip stays held in IDLE; the run ends here.
    task automatic check_held(input integer k, input reg early, input integer t0);
        integer te, n, rise, want_rise, bad_hold;
        reg     want;
        string  how;
        begin
            te = early ? gen_last : cyc;            // the tick generator raised the early TIME_TICK
            rise = -1;
            bad_hold = 0;
            want = tmode ? halt_err : !free_run;    // held in IDLE: ready; a free run: never ready
            want_rise = early ? (tmode ? EDGES_TO_ERROR : EDGES_TO_HALT) : -1;
            for (n = 1; n <= HOLD_CYCLES; n = n + 1) begin
                @(negedge CLK);
                if (n > 8 && (TIMING_ERROR_RDY !== want || OUT_REQ !== 1'b0 || MISO !== 1'b0)) bad_hold = bad_hold + 1;
            end
            rise = gen_rise;
            n_samples = n_samples + 1;
            if ((early && (te - t0 != period_p || rise != want_rise)) || bad_hold != 0 || bad_cfg != 0) begin
                n_fail = n_fail + 1;
                $display("[reckon_vec_tb] sample %04d: FAIL  halt in tick %0d: early TIME_TICK %0d cycles after tick %0d's (expected %0d), TIMING_ERROR_RDY rose %0d edges after it (expected %0d), %0d cycles not held %0s",
                         s_gidx, k, te - t0, k, period_p, rise, want_rise, bad_hold, free_run ? "busy (free run)" : "in IDLE");
                if (bad_cfg != 0)
                    $display("[reckon_vec_tb]   CONFIG read-back: %0d of %0d words differ; first in tick %0d: command 0x%08h word %0d: read 0x%08h, expected 0x%08h",
                             bad_cfg, n_cfg, first_cfg_tick, cfg_first_cmd, cfg_first_i, cfg_first_got, cfg_first_exp);
            end else begin
                n_pass = n_pass + 1;
                if (early) how = $sformatf(": TIME_TICK %0d at %0d cycles, TIMING_ERROR_RDY high %0d edges later",
                                           k + 1, period_p, rise);
                else if (halt_vis) how = $sformatf(" inside its visit (SPI_ERROR_HALT && TIMING_ERROR; %0d CONFIG words read as expected)", n_cfg);
                else how = " (local tick)";
                if (prop_wait)
                    $display("[reckon_vec_tb] sample %04d (epoch %0d %0s #%0d): PASS  waits in PROP after tick %0d: tick %0d, the host's last, was lost; ready and silent for %0d cycles (TIMING_ERROR_RDY = %0d)",
                             s_gidx, s_epoch, s_phase != 0 ? "test" : "train", s_index, k, k + 1, HOLD_CYCLES, want);
                else if (free_run)
                    $display("[reckon_vec_tb] sample %04d (epoch %0d %0s #%0d): PASS  free-runs from tick %0d (local tick, SPI_ERROR_HALT = 0); never ready for %0d cycles (TIMING_ERROR_RDY = %0d, OUT_REQ and REQ_TAR low)",
                             s_gidx, s_epoch, s_phase != 0 ? "test" : "train", s_index, k, HOLD_CYCLES, want);
                else
                $display("[reckon_vec_tb] sample %04d (epoch %0d %0s #%0d): PASS  halted in tick %0d%0s; held in IDLE for %0d cycles (TIMING_ERROR_RDY = %0d)",
                         s_gidx, s_epoch, s_phase != 0 ? "test" : "train", s_index, k, how, HOLD_CYCLES, want);
            end
            if (late_ticks > 0) $display("[reckon_vec_tb]   %0d ticks raised late (the host step overran the period)", late_ticks);
            done = 1'b1;
        end
    endtask

    // Record 9 hang in tick k: past the cycle EPROP would have left, the chip must stay busy and silent
    // (TIMING_ERROR_RDY, OUT_REQ, REQ_TAR on MISO and SPI_RDY low: EPROP waits for SAMPLE; with SPI_TIMING_MODE = 1
    // TIMING_ERROR_RDY shows TIMING_ERROR, set by a local tick lost in the hang); the run ends here.
    task automatic check_hung(input integer k, input integer t0);
        integer n, bad_hold;
        begin
            bad_hold = 0;
            for (n = 1; n <= HOLD_CYCLES; n = n + 1) begin
                @(negedge CLK);
                if (TIMING_ERROR_RDY !== (tmode ? err_now(0) : 1'b0) || OUT_REQ !== 1'b0 || MISO !== 1'b0
                    || SPI_RDY !== 1'b0) bad_hold = bad_hold + 1;   // mode 1: TIMING_ERROR from a lost local tick
            end
            n_samples = n_samples + 1;
            if (bad_hold != 0) begin
                n_fail = n_fail + 1;
                $display("[reckon_vec_tb] sample %04d: FAIL  hang in tick %0d (SAMPLE fell %0d cycles after its TIME_TICK): %0d of %0d cycles not busy and silent",
                         s_gidx, k, fall_n, bad_hold, HOLD_CYCLES);
            end else begin
                n_pass = n_pass + 1;
                $display("[reckon_vec_tb] sample %04d (epoch %0d %0s #%0d): PASS  hangs in tick %0d: SAMPLE fell %0d cycles after its TIME_TICK; busy and silent for %0d cycles after the expected EPROP end (%0d cycles)",
                         s_gidx, s_epoch, s_phase != 0 ? "test" : "train", s_index, k, fall_n, HOLD_CYCLES, cyc - t0 - HOLD_CYCLES);
            end
            done = 1'b1;
        end
    endtask

    // Record 11: the next row `k c g` of expect/gettar_NNNN.hex (gt_k = -1 after the last; the file is closed)
    task automatic next_gettar;
        begin
            gt_k = -1;
            if (gt_left > 0) begin
                r = $fscanf(fd_gt, "%h %h %h", gt_k, gt_c, gt_g);
                scan_ok(r, 3);
                gt_left = gt_left - 1;
                if (gt_left == 0) $fclose(fd_gt);
            end
        end
    endtask

    // Record 11 hang in tick k (a GET_TAR no transfer answers): from the edge GET_TAR shows on the pins the chip
    // must stay busy and silent but for REQ_TAR on MISO (SPI_GET_TAR_REQ_OUT = 1), which must not have risen
    // before; with a tick period, until the host's later ticks (lost in it, record 8) have come, and TIMING_ERROR
    // (mode 1) from the first one on; the run ends here.
    task automatic check_gettar_hang(input integer k, input integer t0);
        integer n, bad_hold, early, start;
        begin
            bad_hold = 0;
            early = req_cycles;
            start = cyc - t0;
            for (n = 0; n < HOLD_CYCLES || gen_left > 0 || gen_pulse >= 0; n = n + 1) begin
                if (TIMING_ERROR_RDY !== (tmode ? err_now(0) : 1'b0) || OUT_REQ !== 1'b0 || SPI_RDY !== 1'b0
                    || MISO !== gt_miso) bad_hold = bad_hold + 1;
                @(negedge CLK);
            end
            n_samples = n_samples + 1;
            if (bad_hold != 0 || early != 0) begin
                n_fail = n_fail + 1;
                $display("[reckon_vec_tb] sample %04d: FAIL  hang in GET_TAR of tick %0d (from %0d edges after its TIME_TICK): %0d of %0d cycles not busy and silent with MISO = %0d, REQ_TAR high %0d cycles before",
                         s_gidx, k, start, bad_hold, n, gt_miso, early);
            end else begin
                n_pass = n_pass + 1;
                $write("[reckon_vec_tb] sample %04d (epoch %0d %0s #%0d): PASS  hangs in GET_TAR of tick %0d: from %0d edges after its TIME_TICK busy and silent for %0d cycles, MISO = %0d (REQ_TAR%0s)",
                       s_gidx, s_epoch, s_phase != 0 ? "test" : "train", s_index, k, start, n, gt_miso,
                       gt_miso ? " on MISO" : " not on MISO");
                if (gen_m > 1) $write("; the host's %0d later ticks lost in it (period %0d)", gen_m - 1, period_p);
                $display("");
            end
            done = 1'b1;
        end
    endtask

    // the m-th host tick after tick k is the next lost one (record 8)
    function automatic reg lost_next(input integer k, input integer m);
        lost_next = (lost_pos + m - 1 < n_lost) && (lost_list[lost_pos + m - 1] == k + m);
    endfunction

    // the TIMING_ERROR level expected now (SPI_TIMING_MODE = 1): set 3 edges after the first early TIME_TICK
    function automatic reg err_now(input integer dummy_arg);
        err_now = (err_from >= 0) && (cyc >= err_from);
    endfunction
