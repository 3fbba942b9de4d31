// reckon_vec_tb.sv - self-checking testbench for ReckOn-pin-compatible RTL, driven by `reckon-sim vectors`.
//
// Reads a vector folder (+vec=DIR, format in DIR/FORMAT.md), programs the DUT over SPI (spi_program.hex), plays
// the tick stream (stimulus.hex) on the pins, and checks per sample: the OUT_DATA items (expect/outputs.hex), the
// clock cycles of every tick measured on TIMING_ERROR_RDY / OUT_REQ (expect/cycles_NNNN.hex) and, with the chip
// back in IDLE, every SRAM word read back over SPI (expect/readback_NNNN.hex). With SEND_PER_TIMESTEP (stimulus
// record 5) it acknowledges and checks the OUT_DATA items of every tick (expect/send_NNNN.hex) and excludes the
// SEND cycles, which its own OUT_ACK paces, from the cycle check (as GET_TAR's). CONFIG visits (record 6): it sets
// SPI_EN_CONF before the tick, plays the transactions once SPI_RDY is high (reads checked against the live words
// the model predicts), clears SPI_EN_CONF and excludes the SPI_RDY cycles. Record 9: SAMPLE drops n edges after
// TIME_TICK k (the sample ends in tick k or k+1, or the chip must hang in EPROP). Prints one PASS/FAIL line per
// sample (with the first mismatch) and a final "RESULT: PASS|FAIL" line.
//
// Portable subset: builds with Verilator 5.006 (--binary --timing) and Icarus Verilog 11 (-g2012): no ref
// arguments (tasks drive the module's pins directly), no break, no named task arguments.
//
// Plusargs: +vec=DIR (required)  +clk_half=NS (10)  +sck_half=NS (20)  +read_gap=CYCLES (8)
//           +max_samples=N  +timeout=CYCLES (4000000)  +no_cycle_check  +verbose
// The DUT module is `reckon` unless compiled with +define+DUT_MODULE=name.
`timescale 1ns/1ps

`ifndef DUT_MODULE
`define DUT_MODULE reckon
`endif

module reckon_vec_tb;

    // ---------------------------------------------------------------- options
    string  vec;
    integer clk_half = 10, sck_half = 20, read_gap = 8, max_samples = -1, timeout = 4000000;
    reg     cycle_check = 1'b1, verbose = 1'b0;

    // ---------------------------------------------------------------- DUT pins
    reg        CLK = 1'b0, RST = 1'b0, SCK = 1'b0, MOSI = 1'b0;
    reg  [7:0] AERIN_ADDR = 8'd0;
    reg        AERIN_REQ = 1'b0, AERIN_TAR_EN = 1'b0, SAMPLE = 1'b0, TIME_TICK = 1'b0;
    reg        TARGET_VALID = 1'b0, INFER_ACC = 1'b0, OUT_ACK = 1'b0;
    wire       MISO, AERIN_ACK, SPI_RDY, TIMING_ERROR_RDY, OUT_REQ;
    wire [7:0] OUT_DATA;

    `DUT_MODULE dut (
        .CLK_EXT(CLK), .CLK_INT_EN(1'b0), .RST(RST),
        .SCK(SCK), .MOSI(MOSI), .MISO(MISO),
        .AERIN_ADDR(AERIN_ADDR), .AERIN_REQ(AERIN_REQ), .AERIN_ACK(AERIN_ACK), .AERIN_TAR_EN(AERIN_TAR_EN),
        .SAMPLE(SAMPLE), .TIME_TICK(TIME_TICK), .TARGET_VALID(TARGET_VALID), .INFER_ACC(INFER_ACC),
        .SPI_RDY(SPI_RDY), .TIMING_ERROR_RDY(TIMING_ERROR_RDY), .OUT_REQ(OUT_REQ), .OUT_ACK(OUT_ACK),
        .OUT_DATA(OUT_DATA));

    // ---------------------------------------------------------------- clock, cycle counter, REQ_TAR monitor
    integer cyc = 0;          // rising CLK edges so far; the main process reads it at falling edges only
    integer req_cycles = 0;   // cycles with MISO (= REQ_TAR while the SPI is idle) high during the current tick
    integer rdy_cycles = 0;   // cycles with SPI_RDY (= state CONFIG) high during the current tick
    reg     in_tick = 1'b0;

    initial begin
        #1;
        forever #(clk_half) CLK = ~CLK;
    end
    always @(posedge CLK) begin
        cyc <= cyc + 1;
        if (in_tick && MISO === 1'b1 && SPI_RDY !== 1'b1) req_cycles <= req_cycles + 1;
        if (in_tick && SPI_RDY === 1'b1) rdy_cycles <= rdy_cycles + 1;
    end

    // ---------------------------------------------------------------- run state
    localparam EDGES_TO_READY = 2, EDGES_TO_OUT_REQ = 3;
    integer fd_stim, fd_out, fd_cyc, fd_send;
    integer spt_n = 0, bad_sends = 0, first_send_tick = -1;   // per-tick SEND: items per tick, mismatching ticks
    reg [7:0] tick_got [0:127];     // one bench tick's OUT_DATA items: its own SEND's, then its cut ticks' SENDs'
    reg [7:0] tick_exp [0:127];
    integer grp_end [0:7];          // item count at the end of each SEND of the bench tick (cut ticks: one each)
    integer n_grp = 0, grp_i = 0, grp_start = 0, span = 0;
    reg     cfg_dc [0:4095];    // record 12: a word of cfg_buf that is don't-care (an undefined read word)
    reg     undef_next = 1'b0;  // record 12 seen: the next record 6's read words are don't-care
    integer n_dc = 0;           // the sample's don't-care CONFIG read words
    integer cfg_nw = 0, bad_cfg = 0, n_cfg = 0, first_cfg_tick = -1;   // CONFIG visit of the next tick: words
    reg [31:0] cfg_buf [0:4095];
    reg [31:0] cfg_first_cmd, cfg_first_got, cfg_first_exp, cfg_word;
    integer cfg_first_i, cfg_n, ci;
    integer period_p = 0, halt_k = 0, t_last = 0, late_ticks = 0, e_rd, m_rd;   // record 7
    integer lost_list [0:4095];     // record 8: the sample's lost host ticks, ascending; the next one at lost_pos
    integer n_lost = 0, lost_pos = 0;
    integer fall_k = 0, fall_n = 0, fall_end = 0, fall_base = -1;   // record 9: SAMPLE falls fall_n edges into tick fall_k
    integer lt_k = 0, lt_o = 0, lt_c = 0, t_tick = 0;   // record 10: local ticks after tick lt_k; t_tick: last time_tick edge
    integer lt_prev = 0;                                 // the host tick of the bench tick that t_tick started
    integer lt_end = 0;                                  // SPI_LOCAL_TICK := 0 in tick lt_end's visit: host ticks after
    integer lt_c_set = -1;                               // SPI_CYCLES_PER_TICK written in this tick's visit (-1: none)

    // cycles from tick lt_prev's time_tick edge to local tick k's (the ticks between lost or cut: record 8)
    // (expect/local_NNNN.hex when the vectors have it: the model's gaps, also across a later SPI_CYCLES_PER_TICK)
    localparam MAX_LT = 4096;
    integer lt_file [0:MAX_LT - 1];
    reg     lt_has = 1'b0;
    function automatic integer lt_gap(input integer k);
        if (lt_has && k >= 0 && k < MAX_LT && lt_file[k] >= 0) lt_gap = lt_file[k];
        else lt_gap = (lt_prev == lt_k) ? lt_o + (k - lt_k - 1) * lt_c : (k - lt_prev) * lt_c;
    endfunction
    // the next local tick after tick k's (lost or not), as the cycles after tick k's time_tick edge
    function automatic integer lt_next(input integer k);
        lt_next = (lt_has && k + 1 < MAX_LT && lt_file[k + 1] >= 0) ? lt_file[k + 1] : lt_c;
    endfunction
    task automatic load_local(input integer g);
        integer fd, j, v, rs;
        begin
            for (j = 0; j < MAX_LT; j = j + 1) lt_file[j] = -1;
            lt_has = 1'b0;
            fd = $fopen($sformatf("%0s/expect/local_%04d.hex", vec, g), "r");
            if (fd != 0) begin
                lt_has = 1'b1;
                rs = $fscanf(fd, "%h %h", j, v);
                while (rs == 2) begin
                    if (j >= 0 && j < MAX_LT) lt_file[j] = v;
                    rs = $fscanf(fd, "%h %h", j, v);
                end
                $fclose(fd);
            end
        end
    endtask
    integer fd_gt, gt_left = 0, gt_k = -1, gt_c = 0, gt_g = 0;    // record 11: next row `k c g` of gettar_NNNN.hex
    reg     gt_miso = 1'b1;                                          // REQ_TAR shows on MISO
    integer prev_lv = -1, n_tight = 0;   // the last step's levels; ticks raised at their earliest edge (TIMING_MODE 1)
    integer ack_at = 0, blind_at = 0, blind_cycles = 0;   // the last AERIN_ACK rise; a record-11 GET_TAR's start, length

    `include "reckon_vec_tb_timing.svh"

    `include "reckon_vec_tb_io.svh"

    // ---------------------------------------------------------------- one tick
    // Raise TIME_TICK at a falling edge, wait for TIMING_ERROR_RDY to fall and rise again (OUT_REQ to rise on the
    // last tick); send the tick's requested target bytes when REQ_TAR shows on MISO. Measured cycles =
    // edges - EDGES_TO_x - GET_TAR cycles, compared with the expected cycles minus expected GET_TAR cycles.
    // per-tick SEND of tick k: the expected items (expect/send_NNNN.hex line "k n items..")
    task automatic read_tick_send(input integer k, output integer n_exp);
        integer kk, i;
        begin
            r = $fscanf(fd_send, "%h %h", kk, n_exp);
            scan_ok(r, 2);
            if (kk != k || n_exp > 32) finish_run("expect/send_NNNN.hex does not match the tick stream");
            for (i = 0; i < n_exp; i = i + 1) begin
                r = $fscanf(fd_send, "%h", tick_exp[i]);
                scan_ok(r, 1);
            end
            if (n_exp > 0) begin grp_end[0] = n_exp; n_grp = 1; end
        end
    endtask

    // the SENDs of the cut ticks raised inside bench tick k (record 8: a cut tick has a send line, a lost one none)
    task automatic read_cut_sends(input integer k, input integer m, inout integer n_exp);
        integer g, kk, nn, i, at, item;
        begin
            for (g = k + 1; g <= k + m; g = g + 1) begin
                at = $ftell(fd_send);
                r = $fscanf(fd_send, "%h %h", kk, nn);
                if (r == 2 && kk == g) begin
                    if (nn > 32 || n_exp + nn > 128 || n_grp == 8) finish_run("expect/send_NNNN.hex: too many items in one busy tick");
                    for (i = 0; i < nn; i = i + 1) begin
                        r = $fscanf(fd_send, "%h", item);
                        scan_ok(r, 1);
                        tick_exp[n_exp + i] = item[7:0];
                    end
                    n_exp = n_exp + nn;
                    if (nn > 0) begin grp_end[n_grp] = n_exp; n_grp = n_grp + 1; end
                end else
                    r = $fseek(fd_send, at, 0);
            end
        end
    endtask

    // the CONFIG visit buffered for tick k: its transactions (reads compared), then SPI_EN_CONF = 0
    task automatic play_config(input integer k);
        integer i, j, n;
        reg [31:0] cmd, got;
        begin
            i = 0;
            while (i < cfg_nw) begin
                cmd = cfg_buf[i];
                n = {20'd0, cmd[27:16]};
                spi_word(cmd, dummy);
                for (j = 0; j < n; j = j + 1) begin
                    if (cmd[31]) begin
                        #(read_gap * 2 * clk_half);
                        spi_word(32'd0, got);
                        n_cfg = n_cfg + 1;
                        if (cfg_dc[i + 1 + j]) n_dc = n_dc + 1;
                        else if (got !== cfg_buf[i + 1 + j]) begin
                            bad_cfg = bad_cfg + 1;
                            if (bad_cfg == 1) begin
                                first_cfg_tick = k; cfg_first_cmd = cmd; cfg_first_i = j;
                                cfg_first_got = got; cfg_first_exp = cfg_buf[i + 1 + j];
                            end
                        end
                    end else begin
                        spi_word(cfg_buf[i + 1 + j], dummy);
                        if (cmd[30:16] == 15'd1 && cmd[15:0] == 16'd23) tmode = cfg_buf[i + 1 + j][0];   // TIMING_MODE
                        if (cmd[30:16] == 15'd1 && cmd[15:0] == 16'd10 && lt_k > 0 && k > lt_k)   // LOCAL_TICK := 0:
                            lt_end = cfg_buf[i + 1 + j][0] ? 0 : k;                                 // host ticks after k
                        if (cmd[30:16] == 15'd1 && cmd[15:0] == 16'd64 && lt_k > 0 && k > lt_k)   // a new local period
                            lt_c_set = cfg_buf[i + 1 + j];                                          // from tick k's on
                    end
                end
                i = i + 1 + n;
            end
            spi_write1(32'h0001_0000, 32'd0);                   // SPI_EN_CONF = 0: the chip leaves CONFIG
            cfg_nw = 0;
        end
    endtask

    task automatic send_tick(input integer k, input reg last, input integer nreq);
        integer t0, i, m, exp_cyc, exp_get, meas, n_exp, n_got, c_rise, c_fall, blind_c, blind_n, req_seen;
        reg     seen_low, fin, sent, spt, bad, lt, lt_seen, blind;
        integer lt_edge;
        string  how;
        begin
            r = $fscanf(fd_cyc, "%h %h", exp_cyc, exp_get);
            scan_ok(r, 2);
            blind = (gt_k == k);                      // record 11: GET_TAR at core cycle blind_c, ended by blind_n bytes
            blind_c = gt_c; blind_n = gt_g; req_seen = -1; blind_cycles = 0;
            if (blind) next_gettar();
            spt = (spt_n > 0) && !last && k >= 2;
            n_exp = 0; n_got = 0; c_rise = 0; c_fall = -1;
            n_grp = 0; grp_i = 0; grp_start = 0; span = 0;
            if (k == halt_k) spt = 1'b0;              // the halt tick: its items (if any) are acknowledged only
            if (spt) read_tick_send(k, n_exp);
            if (period_p > 0 && k > 1 && !(lt_k > 0 && k > lt_k && (lt_end == 0 || k <= lt_end))) begin   // not a local tick's
                // fixed period: a host step that overran raises it late
                if (cyc - t_last > period_p) late_ticks = late_ticks + 1;
                while (cyc - t_last < period_p) @(negedge CLK);
            end
            if (!(k == halt_k && period_p == 0) && TIMING_ERROR_RDY !== (tmode ? err_now(0) : 1'b1)) begin
                $display("[reckon_vec_tb] sample %04d: FAIL  TIMING_ERROR_RDY %0s before tick %0d", s_gidx,
                         tmode ? "high (timing error)" : "low", k);
                n_fail = n_fail + 1;
                finish_run("DUT not ready for a tick");
            end
            t0 = cyc;
            t_last = cyc;
            m = 0;                                     // early ticks of this tick: lost ones, or the halt's
            while (lost_next(k, m + 1)) m = m + 1;
            if (spt) read_cut_sends(k, m, n_exp);
            gen_base = cyc; gen_m = 1; gen_rise = -1; gen_watch = 1'b0;
            gen_left = (lt_k > 0 && k >= lt_k && (lt_end == 0 || k <= lt_end)) ? 0   // local: the chip's
                       : ((period_p > 0 && k == halt_k && !halt_vis && !prop_wait) ? 1 : m);
            gen_pulse = cyc;                           // the generator drops this tick's pulse after 3 cycles
            req_cycles = 0;
            rdy_cycles = 0;
            in_tick = 1'b1;
            lt = (lt_k > 0 && k > lt_k && (lt_end == 0 || k <= lt_end));   // record 10: a local tick starts tick k
            lt_seen = 1'b0;
            lt_edge = cyc + 3 + lt_o;                  // record 10 halt in the visit's tick: its local tick edge
            if (k == lt_k && m > 0 && err_from < 0) err_from = lt_edge;   // its first local tick is lost
            if (lt) gen_pulse = -1;
            else TIME_TICK = 1'b1;
            if (k == fall_k && fall_n == 0 && !lt) SAMPLE = 1'b0;   // record 9: the fall generator drops it fall_n edges on
            else if (k == fall_k) fall_base = lt ? t_tick + lt_gap(k) - 3 : cyc;   // a local tick's: from its edge - 3
            seen_low = 1'b0;
            fin = 1'b0;
            sent = (nreq == 0);
            while (!fin) begin
                @(negedge CLK);
                // the local time_tick edge was the last (SPI_TIMING_MODE = 1: the pin shows TIMING_ERROR, so by count)
                if (lt && !lt_seen && (tmode ? cyc - t_tick >= lt_gap(k) : TIMING_ERROR_RDY !== 1'b1)) begin
                    lt_seen = 1'b1;
                    if (cyc - t_tick != lt_gap(k)) begin     // lost local ticks (record 8) came in tick lt_prev
                        $display("[reckon_vec_tb] sample %04d: FAIL  local tick %0d came %0d cycles after tick %0d's, expected %0d",
                                 s_gidx, k, cyc - t_tick, lt_prev, lt_gap(k));
                        n_fail = n_fail + 1;
                        finish_run("local tick off its period");
                    end
                    t0 = cyc - 3;                          // as if raised: a raised TIME_TICK's edge is t0 + 3
                    t_last = t0;                           // a resumed fixed-period host: a period after it
                    lt_edge = cyc + lt_next(k);
                    if (m > 0 && err_from < 0) err_from = lt_edge;   // a lost local tick sets TIMING_ERROR
                end
                if (!done && k == halt_k && !halt_vis && lt_k > 0 && (!lt || lt_seen)
                    && cyc == lt_edge + (tmode ? 0 : 1)) begin  // a local tick finds the chip busy: held in IDLE
                    if (TIMING_ERROR_RDY !== 1'b1) begin
                        $display("[reckon_vec_tb] sample %04d: FAIL  tick %0d: TIMING_ERROR_RDY low %0d edges after the local tick (%0d cycles after tick %0d's time_tick)",
                                 s_gidx, k, tmode ? 0 : 1, lt_edge - t0 - 3, k);
                        n_fail = n_fail + 1;
                        finish_run("no halt on the local tick");
                    end
                    check_held(k, 1'b0, t0);
                    fin = 1'b1;
                end
                if (req_seen < 0 && MISO === 1'b1 && SPI_RDY !== 1'b1) req_seen = cyc - t0;
                // blind: GET_TAR starts blind_c cycles into the tick plus the CONFIG cycles (once the visit is over)
                if (!sent && blind && (!lt || lt_seen) && cfg_nw == 0 && SPI_RDY !== 1'b1
                    && cyc - t0 >= blind_c + rdy_cycles + EDGES_TO_READY) begin   // t0: the local tick's once seen
                    blind_at = cyc;                           // GET_TAR shows now (were REQ_TAR on MISO)
                    for (i = 0; i < nreq; i = i + 1) aer_send(req_buf[i], 1'b1);
                    // it ends when the last byte's AERIN_ACK rises; after a CONFIG visit one edge more, as REQ_TAR
                    // on MISO counts it (measured on the released RTL: SPI_RDY and REQ_TAR share that edge)
                    blind_cycles = ack_at - blind_at + ((rdy_cycles > 0) ? 1 : 0);
                    sent = 1'b1;
                end else if (!sent && !blind && MISO === 1'b1) begin
                    for (i = 0; i < nreq; i = i + 1) aer_send(req_buf[i], 1'b1);
                    sent = 1'b1;
                end
                if (!done && blind && blind_n == 0 && sent && (!lt || lt_seen) && cfg_nw == 0 && SPI_RDY !== 1'b1
                    && cyc - t0 >= blind_c + rdy_cycles + EDGES_TO_READY) begin
                    check_gettar_hang(k, t0);                 // record 11 hang: GET_TAR waits for ever
                    fin = 1'b1;
                end
                if (cfg_nw > 0 && SPI_RDY === 1'b1) play_config(k);
                if (lt_c_set >= 0) begin               // no local file: seen before this tick's next local tick
                    if (!lt_has && err_from == lt_edge) err_from = lt_edge - lt_c + lt_c_set;   // a lost one: TIMING_ERROR
                    if (!lt_has) lt_edge = lt_edge - lt_c + lt_c_set;
                    lt_c = lt_c_set;
                    lt_c_set = -1;
                end
                if (k == halt_k && halt_vis) begin
                    if (cfg_nw == 0) begin                    // the visit played: held in IDLE since its EH write
                        check_held(k, 1'b0, t0);
                        fin = 1'b1;
                    end
                end else if (k == halt_k && !prop_wait && ((period_p == 0 && lt_k == 0)
                             || (period_p > 0 && gen_left == 0 && !(lt_k > 0 && k >= lt_k && (lt_end == 0 || k <= lt_end))))) begin
                    check_held(k, period_p > 0, t0);          // the early TIME_TICK (or a local-tick halt): IDLE
                    fin = 1'b1;
                end else if (k == halt_k && OUT_REQ === 1'b1 && !OUT_ACK) OUT_ACK = 1'b1;
                else if (k == halt_k && OUT_ACK && OUT_REQ === 1'b0) OUT_ACK = 1'b0;
                if (done) ;
                else if (spt && OUT_REQ === 1'b1 && !OUT_ACK) begin      // per-tick SEND: take the item, acknowledge
                    if (n_got == grp_start) c_rise = cyc;          // the first item of a SEND
                    if (n_got < 128) tick_got[n_got] = OUT_DATA;
                    n_got = n_got + 1;
                    OUT_ACK = 1'b1;
                end else if (spt && OUT_ACK && OUT_REQ === 1'b0) begin
                    OUT_ACK = 1'b0;
                    c_fall = cyc;
                    if (grp_i < n_grp && n_got == grp_end[grp_i]) begin   // that SEND's last item: its span
                        span = span + c_fall - c_rise + 1;
                        grp_start = n_got;
                        grp_i = grp_i + 1;
                    end
                end
                if (!done && k == fall_k && fall_end == 2 && (!lt || lt_seen) && k != halt_k   // a halt: at its tick
                    && cyc - t0 >= exp_cyc - exp_get + (blind ? blind_cycles : req_cycles) + rdy_cycles + EDGES_TO_READY) begin
                    check_hung(k, t0);                        // record 9: EPROP waits for SAMPLE for ever
                    fin = 1'b1;
                end
                if (done) ;
                else if (last) fin = (OUT_REQ === 1'b1);
                else if (tmode) begin                     // the pin shows TIMING_ERROR: ready by the expected count
                    if (TIMING_ERROR_RDY !== err_now(0)) begin
                        $display("[reckon_vec_tb] sample %04d: FAIL  TIMING_ERROR_RDY %0d in tick %0d (cycle %0d, expected %0d)",
                                 s_gidx, TIMING_ERROR_RDY, k, cyc - t0, err_now(0));
                        n_fail = n_fail + 1;
                        finish_run("unexpected timing error");
                    end
                    // not by count: a GET_TAR or EPROP hang (their checks), a local tick's halt (at lt_edge, maybe past the count)
                    fin = (!lt || lt_seen) && !(blind && blind_n == 0) && !(k == fall_k && fall_end == 2)
                          && !(k == halt_k && lt_k > 0 && !halt_vis && !prop_wait)
                          && sent && cfg_nw == 0 && !OUT_ACK && (!spt || n_got >= n_exp) && cyc - t0 >= exp_cyc - exp_get
                          + (blind ? blind_cycles : req_cycles) + rdy_cycles + span
                          + (period_p == 0 ? 0 : EDGES_TO_READY);   // ready host: at the earliest legal tick edge
                end else if (TIMING_ERROR_RDY !== 1'b1) seen_low = 1'b1;
                else if (seen_low) fin = 1'b1;
                if (fin && gen_left > 0 && (k != halt_k || prop_wait)) begin
                    $display("[reckon_vec_tb] sample %04d: FAIL  tick %0d finished before the early TIME_TICK %0d (lost, period %0d)",
                             s_gidx, k, k + gen_m, period_p);
                    n_fail = n_fail + 1;
                    finish_run("no lost tick");
                end
                if (fin && k == halt_k && !done && prop_wait) check_held(k, 1'b0, t0);   // ready: no tick comes
                else if (fin && k == halt_k && !done) begin
                    $display("[reckon_vec_tb] sample %04d: FAIL  tick %0d finished before the early TIME_TICK (period %0d)",
                             s_gidx, k, period_p);
                    n_fail = n_fail + 1;
                    finish_run("no timing error");
                end
                if (cyc - t0 > timeout) begin
                    $display("[reckon_vec_tb] sample %04d: FAIL  tick %0d did not finish within %0d cycles",
                             s_gidx, k, timeout);
                    n_fail = n_fail + 1;
                    finish_run("timeout");
                end
            end
            in_tick = 1'b0;
            t_tick = t0 + 3;
            lt_prev = k;
            if (m > 0) t_last = gen_last;              // the next tick comes a period after the last lost one
            if (!done) begin                            // halted: the sample ended in check_held
                meas = cyc - t0 - (last ? EDGES_TO_OUT_REQ : ((tmode && period_p == 0) ? 0 : EDGES_TO_READY))
                       - (blind ? blind_cycles : req_cycles)
                       - rdy_cycles - span;
                if (spt) begin
                    bad = (n_got != n_exp);
                    for (i = 0; i < n_exp && i < n_got; i = i + 1) if (tick_got[i] !== tick_exp[i]) bad = 1'b1;
                    if (bad) begin
                        bad_sends = bad_sends + 1;
                        if (bad_sends == 1) begin
                            first_send_tick = k;
                            $display("[reckon_vec_tb]   tick %0d OUT_DATA: %0d items (expected %0d), item 0 read 0x%02h, expected 0x%02h",
                                     k, n_got, n_exp, tick_got[0], tick_exp[0]);
                        end
                    end
                end
                if (meas != exp_cyc - exp_get) begin
                    bad_ticks = bad_ticks + 1;
                    if (bad_ticks == 1) begin
                        first_tick = k; first_meas = meas; first_exp = exp_cyc - exp_get;
                    end
                end
                if (verbose) begin
                    how = blind ? " (sent at the model's GET_TAR cycle)" : "";
                    if (!blind && req_seen >= 0) how = $sformatf(" (REQ_TAR seen %0d edges after TIME_TICK)", req_seen);
                    $display("[reckon_vec_tb]   tick %0d: %0d cycles (expected %0d); GET_TAR %0d%0s, SEND %0d, CONFIG %0d cycles",
                             k, meas, exp_cyc - exp_get, blind ? blind_cycles : req_cycles, how,
                             span, rdy_cycles);
                end
            end
            end
    endtask

    // ---------------------------------------------------------------- stimulus records
    task automatic do_sample_start;
        integer g, n, i;
        begin
            r = $fscanf(fd_stim, "%h %h %h %h %h %h", s_gidx, s_epoch, s_phase, s_index, s_ticks, s_items);
            scan_ok(r, 6);
            r = $fscanf(fd_out, "%h %h", g, n);
            scan_ok(r, 2);
            if (g != s_gidx || n != s_items || n > 32) finish_run("expect/outputs.hex does not match stimulus.hex");
            for (i = 0; i < n; i = i + 1) begin
                r = $fscanf(fd_out, "%h", exp_items[i]);
                scan_ok(r, 1);
            end
            open_or_die(fd_cyc, $sformatf("%0s/expect/cycles_%04d.hex", vec, s_gidx));
            bad_items = 0; bad_ticks = 0; bad_words = 0; n_words = 0; first_tick = -1;
            spt_n = 0; bad_sends = 0; first_send_tick = -1; bad_cfg = 0; n_cfg = 0; n_dc = 0; first_cfg_tick = -1;
            period_p = 0; halt_k = 0; halt_err = 1'b0; free_run = 1'b0; halt_vis = 1'b0; prop_wait = 1'b0; tmode = 1'b0; n_lost = 0; lost_pos = 0;
            fall_k = 0; fall_n = 0; fall_end = 0; fall_base = -1; lt_k = 0; lt_end = 0; lt_c_set = -1; lt_has = 1'b0;
            gt_left = 0; gt_k = -1; gt_miso = 1'b1; prev_lv = -1; n_tight = 0;
        end
    endtask

    task automatic do_step;
        integer j, lv, na, nt, nr, i, lost_c, lost_g;
        reg [31:0] v;
        reg        tight;
        begin
            r = $fscanf(fd_stim, "%h %h %h %h %h", j, lv, na, nt, nr);
            scan_ok(r, 5);
            if (nr > 64) finish_run("more than 64 requested target bytes in one tick");
            // SPI_TIMING_MODE = 1, ready host: a step that changes nothing raises the tick at once, at the first
            // edge the model allows (a slower DUT sets TIMING_ERROR); any other waits until the chip is ready
            tight = tmode && period_p == 0 && j > 0 && na == 0 && nt == 0 && cfg_nw == 0 && lv == prev_lv
                    && !lost_next(j, 1);
            if (tmode && period_p == 0 && j > 0 && !tight) ncyc(EDGES_TO_READY);
            prev_lv = lv;
            for (i = 0; i < na; i = i + 1) begin
                r = $fscanf(fd_stim, "%h", v);
                scan_ok(r, 1);
                aer_send(v[7:0], 1'b0);
            end
            for (i = 0; i < nt; i = i + 1) begin
                r = $fscanf(fd_stim, "%h", v);
                scan_ok(r, 1);
                aer_send(v[7:0], 1'b1);
            end
            for (i = 0; i < nr; i = i + 1) begin
                r = $fscanf(fd_stim, "%h", v);
                scan_ok(r, 1);
                req_buf[i] = v[7:0];
            end
            SAMPLE = lv[0];
            TARGET_VALID = lv[1];
            INFER_ACC = lv[2];
            if (cfg_nw > 0) begin
                n_visits = n_visits + 1;
                if (probe_every > 0 && j % probe_every != 0) begin
                    $display("[reckon_vec_tb] +probe_every=%0d: a CONFIG visit in tick %0d", probe_every, j + 1);
                    finish_run("the vectors' probes are not every +probe_every ticks (ticks N+1, 2N+1, ..)");
                end
                spi_write1(32'h0001_0000, 32'd1);  // SPI_EN_CONF = 1: SDONE of the tick enters CONFIG
            end
            if (!tight) ncyc(4);
            else n_tight = n_tight + 1;
            if (lost_next(j, 1)) begin                 // a lost tick: its TIME_TICK rose in the busy tick
                r = $fscanf(fd_cyc, "%h %h", lost_c, lost_g);
                scan_ok(r, 2);
                lost_pos = lost_pos + 1;
            end else
                send_tick(j + 1, !lv[0] || (j + 1 == fall_k && fall_end == 1), nr);
        end
    endtask

    `include "reckon_vec_tb_report.svh"

    task automatic do_sample_end;
        integer g, i;
        reg     ok;
        begin
            r = $fscanf(fd_stim, "%h", g);
            scan_ok(r, 1);
            $fclose(fd_cyc);
            if (spt_n > 0) $fclose(fd_send);
            if (gt_k >= 0) finish_run("expect/gettar_NNNN.hex lists a tick the sample does not play");
            for (i = 0; i < s_items; i = i + 1) begin
                wait_pin(2, 1'b1);
                got_items[i] = OUT_DATA;
                if (OUT_DATA !== exp_items[i]) bad_items = bad_items + 1;
                OUT_ACK = 1'b1;
                wait_pin(2, 1'b0);
                OUT_ACK = 1'b0;
            end
            ncyc(8);
            TARGET_VALID = 1'b0;
            INFER_ACC = 1'b0;
            ncyc(8);
            if (!tmode) wait_pin(1, 1'b1);                     // back in IDLE (TIMING_MODE = 1: the pin is the error)
            spi_write1(32'h0001_0000, 32'd1);                   // SPI_EN_CONF = 1: read-back enabled
            spi_file($sformatf("%0s/expect/readback_%04d.hex", vec, s_gidx));
            spi_write1(32'h0001_0000, 32'd0);                   // SPI_EN_CONF = 0
            ncyc(8);
            ok = (bad_items == 0) && (bad_words == 0) && (bad_sends == 0) && (bad_cfg == 0)
                 && (!cycle_check || bad_ticks == 0);
            n_samples = n_samples + 1;
            if (ok) n_pass = n_pass + 1; else n_fail = n_fail + 1;
            $display("[reckon_vec_tb] sample %04d (epoch %0d %0s #%0d, %0d ticks): %0s  out_data 0x%02h, %0d read-back words",
                     s_gidx, s_epoch, s_phase != 0 ? "test" : "train", s_index, s_ticks, ok ? "PASS" : "FAIL",
                     got_items[0], n_words);
            if (tmode && period_p == 0)
                $display("[reckon_vec_tb]   SPI_TIMING_MODE = 1: ticks paced by the expected cycles, %0d of them raised at the earliest edge the model allows",
                         n_tight);
            for (i = 0; i < s_items; i = i + 1)
                if (got_items[i] !== exp_items[i])
                    $display("[reckon_vec_tb]   OUT_DATA item %0d: read 0x%02h, expected 0x%02h", i, got_items[i],
                             exp_items[i]);
            if (bad_ticks != 0)
                $display("[reckon_vec_tb]   cycles: %0d ticks differ; first tick %0d: %0d cycles, expected %0d%0s",
                         bad_ticks, first_tick, first_meas, first_exp, cycle_check ? "" : " (ignored: +no_cycle_check)");
            if (bad_words != 0) report_readback_mismatch();
            if (n_cfg != 0 || bad_cfg != 0)
                $display("[reckon_vec_tb]   CONFIG read-back: %0d of %0d words differ%0s", bad_cfg, n_cfg,
                         bad_cfg != 0 ? "" : " (live words in CONFIG)");
            if (n_dc != 0)
                $display("[reckon_vec_tb]   CONFIG read-back: %0d undefined words not compared (record 12)", n_dc);
            if (bad_cfg != 0) begin
                $display("[reckon_vec_tb]   first in tick %0d: command 0x%08h word %0d: read 0x%08h, expected 0x%08h",
                         first_cfg_tick, cfg_first_cmd, cfg_first_i, cfg_first_got, cfg_first_exp);
                report_probe_mismatch();
            end
            if (bad_sends != 0)
                $display("[reckon_vec_tb]   per-tick OUT_DATA: %0d ticks differ; first tick %0d", bad_sends, first_send_tick);
            if (max_samples > 0 && n_samples >= max_samples) done = 1'b1;
        end
    endtask

    // ---------------------------------------------------------------- main
    initial begin
        if (!$value$plusargs("vec=%s", vec)) begin
            $display("[reckon_vec_tb] usage: +vec=DIR (a folder written by `reckon-sim vectors`)");
            finish_run("no vectors");
        end
        if ($value$plusargs("clk_half=%d", clk_half)) ;
        if ($value$plusargs("sck_half=%d", sck_half)) ;
        if ($value$plusargs("read_gap=%d", read_gap)) ;
        if ($value$plusargs("max_samples=%d", max_samples)) ;
        if ($value$plusargs("timeout=%d", timeout)) ;
        if ($test$plusargs("no_cycle_check")) cycle_check = 1'b0;
        if ($test$plusargs("verbose")) verbose = 1'b1;
        if ($value$plusargs("probe_every=%d", probe_every)) probe = 1'b1;
        if ($test$plusargs("probe")) probe = 1'b1;
        s_gidx = -1;
        $display("[reckon_vec_tb] vectors %0s; CLK %0d ns, SCK %0d ns", vec, 2 * clk_half, 2 * sck_half);
        #5;
        RST = 1'b1;
        ncyc(5);
        RST = 1'b0;
        ncyc(10);
        spi_file($sformatf("%0s/spi_program.hex", vec));
        $display("[reckon_vec_tb] programmed over SPI in %0d cycles", cyc);
        ncyc(20);
        open_or_die(fd_stim, $sformatf("%0s/stimulus.hex", vec));
        open_or_die(fd_out, $sformatf("%0s/expect/outputs.hex", vec));
        while (!done) begin
            r = $fscanf(fd_stim, "%h", op);
            if (r != 1) finish_run("stimulus.hex ends without its end record");
            case (op)
                0: begin
                    done = 1'b1;
                    if (probe && n_visits == 0)
                        finish_run("+probe: no CONFIG visits in the vectors (reckon-sim vectors --probe-every N)");
                end
                1: begin
                    r = $fscanf(fd_stim, "%h %h", first_cmd, first_got);
                    scan_ok(r, 2);
                    spi_write1(first_cmd, first_got);
                    ncyc(20);
                end
                2: do_sample_start();
                3: do_step();
                4: do_sample_end();
                6: begin                                            // a CONFIG transaction of the next step's tick
                    r = $fscanf(fd_stim, "%h", first_cmd);
                    scan_ok(r, 1);
                    cfg_n = {20'd0, first_cmd[27:16]};
                    if (cfg_nw + 1 + cfg_n > 4096) finish_run("CONFIG visit longer than 4096 words");
                    cfg_buf[cfg_nw] = first_cmd;
                    cfg_dc[cfg_nw] = 1'b0;
                    for (ci = 0; ci < cfg_n; ci = ci + 1) begin
                        r = $fscanf(fd_stim, "%h", cfg_word);    // Icarus: no array element as target
                        scan_ok(r, 1);
                        cfg_buf[cfg_nw + 1 + ci] = cfg_word;
                        cfg_dc[cfg_nw + 1 + ci] = undef_next;
                    end
                    cfg_nw = cfg_nw + 1 + cfg_n;
                    undef_next = 1'b0;
                end
                12: undef_next = 1'b1;                              // the next read's words are undefined
                7: begin                                            // tick period, halt, timing mode
                    r = $fscanf(fd_stim, "%h %h %h %h", period_p, halt_k, e_rd, m_rd);
                    scan_ok(r, 4);
                    halt_err = e_rd[0];
                    free_run = e_rd[1];                             // local tick, ERROR_HALT = 0: never ready
                    halt_vis = e_rd[2];                             // halted in tick halt_k's visit (sticky)
                    prop_wait = e_rd[3];                            // tick halt_k's successor lost: waits in PROP
                    tmode = (m_rd != 0);
                    late_ticks = 0;
                end
                8: begin                                            // lost ticks of this sample
                    r = $fscanf(fd_stim, "%h", n_lost);
                    scan_ok(r, 1);
                    if (n_lost > 4096) finish_run("more than 4096 lost ticks in one sample");
                    for (ci = 0; ci < n_lost; ci = ci + 1) begin
                        r = $fscanf(fd_stim, "%h", cfg_word);
                        scan_ok(r, 1);
                        lost_list[ci] = cfg_word;
                    end
                end
                9: begin                                            // SAMPLE falls mid-tick in this sample
                    r = $fscanf(fd_stim, "%h %h %h", fall_k, fall_n, fall_end);
                    scan_ok(r, 3);
                end
                10: begin                                           // local ticks from a CONFIG visit on
                    r = $fscanf(fd_stim, "%h %h %h", lt_k, lt_o, lt_c);
                    scan_ok(r, 3);
                    load_local(s_gidx);
                end
                11: begin                                           // GET_TARs the bench is told of (gettar_NNNN.hex)
                    r = $fscanf(fd_stim, "%h %h", gt_left, m_rd);
                    scan_ok(r, 2);
                    gt_miso = (m_rd != 0);
                    open_or_die(fd_gt, $sformatf("%0s/expect/gettar_%04d.hex", vec, s_gidx));
                    next_gettar();
                end
                5: begin                                            // per-tick SEND in this sample
                    r = $fscanf(fd_stim, "%h", spt_n);
                    scan_ok(r, 1);
                    open_or_die(fd_send, $sformatf("%0s/expect/send_%04d.hex", vec, s_gidx));
                end
                default: finish_run("unknown stimulus record");
            endcase
        end
        finish_run(0);
    end

endmodule
