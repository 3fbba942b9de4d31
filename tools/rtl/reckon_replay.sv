// reckon_replay.sv - a pin-compatible stand-in for the ReckOn top level (`reckon`) that replays the expected
// responses of a vector folder. It is NOT a model of the chip: it exists to test tools/rtl/reckon_vec_tb.sv
// without the ReckOn RTL (which this project never contains).
//
// What it does, on ReckOn's pins and with ReckOn's pin timing:
//  * SPI slave (mode 0, 32-bit command {rw, code, count, addr} + count data words, auto-increment): config
//    address 0 = SPI_EN_CONF (reset 1); memory writes/reads of the four SRAMs only while SPI_EN_CONF = 1 (a read
//    with SPI_EN_CONF = 0 returns 0xdeadbeef). Memory writes are applied in the CLK domain.
//  * TIME_TICK through a 2-flop synchroniser + edge detector; TIMING_ERROR_RDY low from the third edge after the
//    TIME_TICK rise until `cycles + 2` edges after it (expect/cycles_NNNN.hex); a tick seen with SAMPLE low is the
//    last: OUT_REQ rises `cycles + 3` edges after TIME_TICK and the OUT_DATA items of expect/outputs.hex are sent
//    with the OUT_REQ / OUT_ACK handshake (OUT_ACK synchronised).
//  * AER: AERIN_REQ synchronised, AERIN_ACK four-phase; events and targets are acknowledged and ignored.
//  * At the end of sample g every SRAM word becomes `word ^ image(g-1) ^ image(g)` (mem/*_NNNN.mem): the
//    learning the model predicts, applied on top of what the bench actually programmed over SPI.
// Deliberate faults for the bench's own tests: +replay_corrupt=1 flips bit 8 of recurrent-weight word 0 (Wrec[0][1])
// after sample +replay_corrupt_sample=S (default 0); =2 sends a wrong OUT_DATA (bit 0 flipped) in sample S; =3
// makes tick +replay_corrupt_tick=K (default 5) of sample S one cycle longer; =4 leaves output membrane 1 at 1 after sample S (not cleared in IDLE);
// =5 sends a wrong per-tick OUT_DATA item (bit 0 of item 0 flipped) in tick 3 of sample S; =7 raises local tick
// K (expect/local_NNNN.hex host tick K) of sample S one cycle late.
// Per-tick SEND (expect/send_NNNN.hex present, SEND_PER_TIMESTEP): after a tick's busy time its items go out with
// the same handshake and pin timing as the chip's SEND (an item every 6 cycles with the bench's OUT_ACK).
// +replay_vec=DIR replays the expectations of another vector folder of the same inputs (e.g. written by a
// mutated model, reckon_sim.vectors.mutants) while the bench checks against +vec.
// CONFIG (per-tick probes): a tick started with SPI_EN_CONF = 1 holds SPI_RDY high (its busy count paused) until
// SPI_EN_CONF = 0; SPI reads meanwhile return, in order, the words of expect/config_reads.hex (the model's live
// words). +replay_corrupt=6 flips bit 16 of read word 4 (neuron 2's trace_inp) of the visit in tick
// +replay_corrupt_tick=K (default 5) of sample S.
// Output membranes (SPI code 2, one 16-bit register per address 0..15) are writable and cleared at sample end.
// Timing (expect/timing.hex, record 7): with SPI_TIMING_MODE = 1 the pin shows a TIMING_ERROR flag instead of
// readiness; in the halt sample a TIME_TICK during the halt tick sets it at that edge and the chip is held idle
// from the next edge on (tick period 0: held idle at the sample's first tick, as with a local tick); any other
// TIME_TICK while busy sets the flag and is lost (its cycles row is "0 0": skipped); timing_error bit 2 (a halt at
// the halt tick's visit's SPI_ERROR_HALT := 1): its TIME_TICKs are lost too, and the visit's end holds it idle if
// the flag is set by then (the RTL halts at the write; SPI works in IDLE as in CONFIG); bit 3 (the host's last tick
// lost): the halt tick's TIME_TICKs are lost ones and no tick follows (the chip waits in PROP).
// GET_TAR (expect/gettar_NNNN.hex, record 11): a listed tick pauses its busy count at core cycle c until its n-th
// target transfer is acknowledged (the GET_TAR the bench times itself); n = 0: it stays busy for ever from c,
// with REQ_TAR on MISO if SPI_GET_TAR_REQ_OUT (config address 3, reset 1) was last written 1.
`timescale 1ns/1ps

module reckon_replay (
    input  wire       CLK_EXT, CLK_INT_EN, RST,
    input  wire       SCK, MOSI,
    output wire       MISO,
    input  wire [7:0] AERIN_ADDR,
    input  wire       AERIN_REQ,
    output reg        AERIN_ACK,
    input  wire       AERIN_TAR_EN, SAMPLE, TIME_TICK, TARGET_VALID, INFER_ACC,
    output wire       SPI_RDY, TIMING_ERROR_RDY, OUT_REQ,
    input  wire       OUT_ACK,
    output wire [7:0] OUT_DATA
);
    string  vec;
    integer corrupt = 0, corrupt_sample = 0, corrupt_tick = 5;
    localparam MAX_CFG = 262144;
    reg [31:0] cfg_mem [0:MAX_CFG - 1];                 // read words of every CONFIG visit, in order
    integer    cfg_pos = 0;                             // next one (SCK domain)
    reg        rdy = 0;                                 // state CONFIG
    initial begin
        if (!$value$plusargs("vec=%s", vec)) vec = ".";
        if ($value$plusargs("replay_vec=%s", vec)) ;   // after +vec: it wins (no short-circuit reliance)
        if ($value$plusargs("replay_corrupt=%d", corrupt)) ;
        if ($value$plusargs("replay_corrupt_sample=%d", corrupt_sample)) ;
        if ($value$plusargs("replay_corrupt_tick=%d", corrupt_tick)) ;
        load_outputs();
        load_config_reads();
        load_timing();
    end

    reg [127:0] neur [0:127];
    reg [127:0] winp [0:4095];
    reg [127:0] wrec [0:4095];
    reg [127:0] wout [0:511];
    reg [15:0]  oneur [0:15];
    reg [127:0] img_a [0:4095];
    reg [127:0] img_b [0:4095];

    // ------------------------------------------------------------------------------------ SPI slave (SCK domain)
    reg [31:0] sh = 0, cmd = 0, rd_sh = 0, wr_data = 0;
    reg [15:0] addr = 0, wr_addr = 0;
    reg [11:0] left = 0;
    reg [4:0]  bitn = 0;
    reg [2:0]  wr_code = 0;
    reg        have_cmd = 0, reading = 0, en_conf = 1, wr_tog = 0, req_out = 1;
    wire [31:0] word_in = {sh[30:0], MOSI};

    function automatic [31:0] mem_read(input [2:0] code, input [15:0] a);
        reg [127:0] w;
        begin
            case (code)
                3'd1: w = neur[a[8:2]];
                3'd3: w = winp[a[13:2]];
                3'd4: w = wrec[a[13:2]];
                3'd5: w = wout[a[10:2]];
                default: w = 128'd0;
            endcase
            if (code == 3'd2) w = {96'd0, 16'd0, oneur[a[3:0]]} << (32 * a[1:0]);   // no quarters: one word each
            mem_read = !en_conf ? 32'hdeadbeef : (rdy ? cfg_mem[cfg_pos] : w[32 * a[1:0] +: 32]);
        end
    endfunction

    always @(posedge SCK or posedge RST) begin
        if (RST) begin
            bitn <= 0; have_cmd <= 0; reading <= 0; en_conf <= 1; req_out <= 1;
        end else begin
            sh <= word_in;
            bitn <= bitn + 5'd1;
            if (reading) rd_sh <= {rd_sh[30:0], 1'b0};
            if (bitn == 5'd31) begin
                if (!have_cmd) begin
                    cmd <= word_in;
                    addr <= word_in[15:0];
                    left <= word_in[27:16];
                    have_cmd <= (word_in[27:16] != 12'd0);
                    if (word_in[31] && word_in[27:16] != 12'd0) begin
                        rd_sh <= mem_read(word_in[30:28], word_in[15:0]);
                        reading <= 1;
                        if (rdy) cfg_pos <= cfg_pos + 1;
                    end
                end else begin
                    if (!cmd[31] && cmd[30:28] == 3'd0 && cmd[15:0] == 16'd0) en_conf <= word_in[0];
                    if (!cmd[31] && cmd[30:28] == 3'd0 && cmd[15:0] == 16'd3) req_out <= word_in[0];
                    if (!cmd[31] && cmd[30:28] != 3'd0 && en_conf) begin
                        wr_code <= cmd[30:28]; wr_addr <= addr; wr_data <= word_in; wr_tog <= ~wr_tog;
                    end
                    if (cmd[30:28] != 3'd0) addr <= addr + 16'd1;
                    left <= left - 12'd1;
                    if (left == 12'd1) begin
                        have_cmd <= 0;
                        reading <= 0;
                    end else if (cmd[31]) begin
                        rd_sh <= mem_read(cmd[30:28], addr + 16'd1);
                        if (rdy) cfg_pos <= cfg_pos + 1;
                    end
                end
            end
        end
    end
    assign MISO = reading ? rd_sh[31] : (gt_hung && req_out);
    assign SPI_RDY = rdy;

    // ------------------------------------------------------------------------------------ core side (CLK domain)
    wire CLK = CLK_EXT;
    reg rst1 = 0, rst2 = 0, tt1 = 0, tt2 = 0, tt3 = 0, s1 = 0, s2 = 0, r1 = 0, r2 = 0, o1 = 0, o2 = 0;
    reg w1 = 0, w2 = 0, w3 = 0, ec1 = 0, ec2 = 0;
    reg busy = 0, last = 0, sending = 0, oreq = 0, tsending = 0, terr = 0, halted = 0, halting = 0;
    wire vis_halt, no_early;
    reg [7:0] odata = 0;
    reg [7:0] items [0:31];
    localparam MAX_TICKS = 65536, MAX_SAMPLES = 4096;
    localparam LT_SKEW = 0;                             // a local tick's edge vs a raised TIME_TICK's (tick_new)
    reg [31:0] cyc_mem [0:2 * MAX_TICKS - 1];           // expected cycles, GET_TAR cycles of each tick
    reg [7:0]  out_mem [0:32 * MAX_SAMPLES - 1];         // OUT_DATA items of each sample
    integer    out_n [0:MAX_SAMPLES - 1];
    integer n_items = 0, item = 0, gidx = 0, k = 0, cnt = 0, i, g;
    localparam MAX_SEND_TICKS = 4096;
    reg [7:0]  tsend_mem [0:32 * MAX_SEND_TICKS - 1];   // per-tick SEND items of tick k at 32 k
    integer    tsend_n [0:MAX_SEND_TICKS - 1];
    integer    titem = 0;
    wire tick_new = tt2 & ~tt3;
    integer    lt_at [0:MAX_SEND_TICKS - 1];            // expect/local_NNNN.hex: local tick j, cycles after its tick's start
    integer    lt_t = 0, lt_j = 0;                      // edges since the last tick's start; the next local tick (0: none)
    reg        lt_due = 0, tick_any = 0;                // a local tick now; it or the host's TIME_TICK
    integer    gt_c [0:MAX_SEND_TICKS - 1];             // record 11: GET_TAR start of tick k (-1: none listed)
    integer    gt_n [0:MAX_SEND_TICKS - 1];             // its target transfers (0: never left)
    integer    el = 0, gt_got = 0;                      // cycles into the tick (CONFIG not counted); transfers
    reg        gt_wait = 0, gt_hung = 0, gt_extra = 0, had_cfg = 0;

    // image file of memory `name` before (which = 0) or after (which = 1) the current sample
    function automatic string image(input string name, input integer which);
        if (which == 0 && gidx == 0) image = $sformatf("%0s/mem/%0s_init.mem", vec, name);
        else image = $sformatf("%0s/mem/%0s_%04d.mem", vec, name, gidx - 1 + which);
    endfunction

    task automatic apply_delta;
        begin
            $readmemh(image("neur", 0), img_a, 0, 127);
            $readmemh(image("neur", 1), img_b, 0, 127);
            for (i = 0; i < 128; i = i + 1) neur[i] = neur[i] ^ img_a[i] ^ img_b[i];
            $readmemh(image("winp", 0), img_a, 0, 4095);
            $readmemh(image("winp", 1), img_b, 0, 4095);
            for (i = 0; i < 4096; i = i + 1) winp[i] = winp[i] ^ img_a[i] ^ img_b[i];
            $readmemh(image("wrec", 0), img_a, 0, 4095);
            $readmemh(image("wrec", 1), img_b, 0, 4095);
            for (i = 0; i < 4096; i = i + 1) wrec[i] = wrec[i] ^ img_a[i] ^ img_b[i];
            $readmemh(image("wout", 0), img_a, 0, 511);
            $readmemh(image("wout", 1), img_b, 0, 511);
            for (i = 0; i < 512; i = i + 1) wout[i] = wout[i] ^ img_a[i] ^ img_b[i];
            if (corrupt == 1 && gidx == corrupt_sample) wrec[0] = wrec[0] ^ (128'd1 << 8);
        end
    endtask

    // Files are read start to end within one call (Verilator 5.006 loses a descriptor kept across clocked
    // activations); every $fscanf result is checked (an unread one may be dropped as dead code).
    task automatic scan_ok(input integer got, input integer want);
        if (got != want) begin
            $display("reckon_replay: malformed or missing vector file under %0s", vec);
            $fatal(1, "reckon_replay: cannot run");   // non-zero exit: the run is invalid
        end
    endtask

    // static tasks: Icarus 11 crashes on some $fscanf calls into automatic variables
    task load_outputs;
        integer fd, n, j, gg, rs;
        reg [7:0] v;
        begin
            fd = $fopen($sformatf("%0s/expect/outputs.hex", vec), "r");
            if (fd == 0) scan_ok(0, 1);
            rs = $fscanf(fd, "%h %h", gg, n);
            while (rs == 2) begin
                out_n[gg] = n;
                for (j = 0; j < n; j = j + 1) begin
                    rs = $fscanf(fd, "%h", v);
                    scan_ok(rs, 1);
                    out_mem[32 * gg + j] = v;
                end
                rs = $fscanf(fd, "%h %h", gg, n);
            end
            $fclose(fd);
        end
    endtask

    task load_config_reads;
        integer fd, n, j, gg, kk, rs, pos;
        reg [31:0] v;
        begin
            pos = 0;
            fd = $fopen($sformatf("%0s/expect/config_reads.hex", vec), "r");
            if (fd != 0) begin
                rs = $fscanf(fd, "%h %h %h", gg, kk, n);
                while (rs == 3) begin
                    for (j = 0; j < n; j = j + 1) begin
                        rs = $fscanf(fd, "%h", v);
                        scan_ok(rs, 1);
                        if (corrupt == 6 && gg == corrupt_sample && kk == corrupt_tick && j == 4) v = v ^ 32'h1_0000;
                        if (pos < MAX_CFG) cfg_mem[pos] = v;
                        pos = pos + 1;
                    end
                    rs = $fscanf(fd, "%h %h %h", gg, kk, n);
                end
                $fclose(fd);
            end
        end
    endtask

    integer t_period [0:MAX_SAMPLES - 1];
    integer t_halt [0:MAX_SAMPLES - 1];
    integer t_err [0:MAX_SAMPLES - 1];
    integer t_mode [0:MAX_SAMPLES - 1];
    task load_timing;
        integer fd, gg, a, b, c, d, rs, j;
        begin
            for (j = 0; j < MAX_SAMPLES; j = j + 1) begin
                t_period[j] = 0; t_halt[j] = 0; t_err[j] = 0; t_mode[j] = 0;
            end
            fd = $fopen($sformatf("%0s/expect/timing.hex", vec), "r");
            if (fd != 0) begin
                rs = $fscanf(fd, "%h %h %h %h %h", gg, a, b, c, d);
                while (rs == 5) begin
                    t_period[gg] = a; t_halt[gg] = b; t_err[gg] = c; t_mode[gg] = d;
                    rs = $fscanf(fd, "%h %h %h %h %h", gg, a, b, c, d);
                end
                $fclose(fd);
            end
        end
    endtask

    task load_cycles;
        integer fd, j, rs;
        reg [31:0] c, t;
        begin
            fd = $fopen($sformatf("%0s/expect/cycles_%04d.hex", vec, gidx), "r");
            if (fd == 0) scan_ok(0, 1);
            j = 0;
            rs = $fscanf(fd, "%h %h", c, t);
            while (rs == 2 && j < 2 * MAX_TICKS) begin
                cyc_mem[j] = c;
                cyc_mem[j + 1] = t;
                j = j + 2;
                rs = $fscanf(fd, "%h %h", c, t);
            end
            $fclose(fd);
        end
    endtask

    task load_sends;
        integer fd, j, kk, n, rs;
        reg [7:0] v;
        begin
            for (j = 0; j < MAX_SEND_TICKS; j = j + 1) tsend_n[j] = 0;
            fd = $fopen($sformatf("%0s/expect/send_%04d.hex", vec, gidx), "r");
            if (fd != 0) begin
                rs = $fscanf(fd, "%h %h", kk, n);
                while (rs == 2 && kk < MAX_SEND_TICKS) begin
                    tsend_n[kk] = n;
                    for (j = 0; j < n; j = j + 1) begin
                        rs = $fscanf(fd, "%h", v);
                        scan_ok(rs, 1);
                        tsend_mem[32 * kk + j] = v;
                    end
                    rs = $fscanf(fd, "%h %h", kk, n);
                end
                $fclose(fd);
                if (corrupt == 5 && gidx == corrupt_sample) tsend_mem[32 * 3] = tsend_mem[32 * 3] ^ 8'd1;
            end
        end
    endtask

    task load_local;
        integer fd, j, g, rs;
        begin
            for (j = 0; j < MAX_SEND_TICKS; j = j + 1) lt_at[j] = -1;
            fd = $fopen($sformatf("%0s/expect/local_%04d.hex", vec, gidx), "r");
            if (fd != 0) begin
                rs = $fscanf(fd, "%h %h", j, g);
                while (rs == 2 && j < MAX_SEND_TICKS) begin
                    lt_at[j] = g;
                    rs = $fscanf(fd, "%h %h", j, g);
                end
                $fclose(fd);
            end
        end
    endtask

    task load_gettar;
        integer fd, j, kk, c, n, rs;
        begin
            for (j = 0; j < MAX_SEND_TICKS; j = j + 1) gt_c[j] = -1;
            fd = $fopen($sformatf("%0s/expect/gettar_%04d.hex", vec, gidx), "r");
            if (fd != 0) begin
                rs = $fscanf(fd, "%h %h %h", kk, c, n);
                while (rs == 3 && kk < MAX_SEND_TICKS) begin
                    gt_c[kk] = c; gt_n[kk] = n;
                    rs = $fscanf(fd, "%h %h %h", kk, c, n);
                end
                $fclose(fd);
            end
        end
    endtask

    task automatic start_tick;
        begin
            if (k == 0) begin
                load_cycles();
                load_sends();
                load_gettar();
                load_local();
                n_items = out_n[gidx];
                for (i = 0; i < n_items; i = i + 1) items[i] = out_mem[32 * gidx + i];
                if (corrupt == 2 && gidx == corrupt_sample) items[0] = items[0] ^ 8'd1;
            end
            while (k < MAX_TICKS - 1 && cyc_mem[2 * k] == 0) k = k + 1;   // a lost tick's row ("0 0")
            cnt = cyc_mem[2 * k] - cyc_mem[2 * k + 1] - 2 + ((corrupt == 3 && gidx == corrupt_sample && k == corrupt_tick - 1) ? 1 : 0);
            k = k + 1;
            el = 0; gt_wait = 0; gt_got = 0; had_cfg = ec2;
            if (k < MAX_SEND_TICKS && gt_c[k] >= 0 && gt_n[k] == 0) cnt = 32'h7fffffff;   // hangs in GET_TAR
            busy = 1;
            lt_t = 0; lt_j = k + 1;                     // its successor may be a local tick (record 10)
            rdy <= ec2;                                 // SPI_EN_CONF set: this tick's SDONE enters CONFIG
            last = !s2;
        end
    endtask

    always @(posedge CLK) begin
        rst1 <= RST; rst2 <= rst1;
        tt1 <= TIME_TICK; tt2 <= tt1; tt3 <= tt2;
        s1 <= SAMPLE; s2 <= s1;
        r1 <= AERIN_REQ; r2 <= r1;
        o1 <= OUT_ACK; o2 <= o1;
        w1 <= wr_tog; w2 <= w1; w3 <= w2;
        ec1 <= en_conf; ec2 <= ec1;
        if (rst2) begin
            for (i = 0; i < 4096; i = i + 1) begin
                winp[i] = 128'd0;
                wrec[i] = 128'd0;
                if (i < 512) wout[i] = 128'd0;
                if (i < 128) neur[i] = 128'd0;
                if (i < 16) oneur[i] = 16'd0;
            end
            busy = 0; sending = 0; oreq <= 0; AERIN_ACK <= 0; k = 0; rdy <= 0; terr <= 0; halted <= 0; halting <= 0;
            gt_hung <= 0; gt_wait = 0;
        end else begin
            if (w2 != w3)
                case (wr_code)
                    3'd1: neur[wr_addr[8:2]][32 * wr_addr[1:0] +: 32] = wr_data;
                    3'd2: oneur[wr_addr[3:0]] = wr_data[15:0];
                    3'd3: winp[wr_addr[13:2]][32 * wr_addr[1:0] +: 32] = wr_data;
                    3'd4: wrec[wr_addr[13:2]][32 * wr_addr[1:0] +: 32] = wr_data;
                    3'd5: wout[wr_addr[10:2]][32 * wr_addr[1:0] +: 32] = wr_data;
                    default: ;
                endcase
            if (r2 && !AERIN_ACK && busy && AERIN_TAR_EN) gt_got = gt_got + 1;   // srnn.v target_cnt: any time
            if (r2 && !AERIN_ACK) AERIN_ACK <= 1'b1;
            else if (!r2 && AERIN_ACK) AERIN_ACK <= 1'b0;
            lt_t = lt_t + 1;
            lt_due = lt_j > 0 && lt_j < MAX_SEND_TICKS && lt_at[lt_j] >= 0 && lt_t == lt_at[lt_j] + LT_SKEW
                     + ((corrupt == 7 && gidx == corrupt_sample && lt_j == corrupt_tick) ? 1 : 0);
            if (lt_due) lt_j = lt_j + 1;
            tick_any = tick_new || lt_due;
            if (tick_any && busy && !halted && (k != t_halt[gidx] || no_early)) terr <= 1'b1;   // early: lost
            if (halted) ;                                    // held idle until reset
            else if (halting) begin                          // one more step after the early tick, then idle
                halted <= 1'b1; busy = 0; tsending = 0;
            end else if (tick_new && k == 0 && t_halt[gidx] == 1 && t_period[gidx] == 0) begin
                halted <= 1'b1; terr <= (t_err[gidx] != 0);      // a local-tick halt: never leaves idle
            end else if (tick_any && busy && k == t_halt[gidx] && !no_early) begin
                halting <= 1'b1; terr <= (t_err[gidx] != 0);     // the early TIME_TICK of the halt tick
            end else if (tick_any && !busy && !sending && !tsending) start_tick();
            else if (busy) begin
                if (rdy) begin
                    if (!ec2 && k == t_halt[gidx] && vis_halt && terr) begin   // its EH := 1 met TIMING_ERROR
                        rdy <= 1'b0; halted <= 1'b1; busy = 0; terr <= 1'b1;
                    end else if (!ec2) rdy <= 1'b0;         // SPI_EN_CONF = 0: the tick goes on
                end else if (gt_hung) ;                     // a GET_TAR no transfer ends: busy for ever
                else if (gt_wait) begin
                    if (gt_got >= gt_n[k] && gt_extra) gt_extra = 0;   // after CONFIG: one edge more (bench, RTL)
                    else if (gt_got >= gt_n[k]) gt_wait = 0;   // its last target transfer acknowledged
                end else if (cnt <= 0) begin
                    busy = 0;
                    sending = last;
                    tsending = !last && k < MAX_SEND_TICKS && tsend_n[k] > 0;
                    item = 0;
                    titem = 0;
                end else begin
                    cnt = cnt - 1;
                    el = el + 1;                            // GET_TAR shows from this edge on (core cycle c)
                    if (k < MAX_SEND_TICKS && gt_c[k] > 0 && el == gt_c[k] - 1) begin
                        gt_wait = (gt_n[k] > 0);
                        gt_extra = had_cfg;
                        gt_hung <= (gt_n[k] == 0);
                    end
                end
            end else if (tsending) begin
                if (!oreq && !o2) begin
                    oreq <= 1'b1;
                    odata <= tsend_mem[32 * k + titem];
                end else if (oreq && o2) begin
                    oreq <= 1'b0;
                    titem = titem + 1;
                    if (titem == tsend_n[k]) tsending = 0;
                end
            end else if (sending) begin
                if (!oreq && !o2) begin
                    oreq <= 1'b1;
                    odata <= items[item];
                end else if (oreq && o2) begin
                    oreq <= 1'b0;
                    item = item + 1;
                    if (item == n_items) begin
                        sending = 0;
                        apply_delta();
                        for (i = 0; i < 16; i = i + 1) oneur[i] = 16'd0;       // srnn.v: cleared on entering IDLE
                        if (corrupt == 4 && gidx == corrupt_sample) oneur[1] = 16'd1;
                        gidx = gidx + 1;
                        k = 0;
                        lt_j = 0;                           // IDLE: no local tick
                    end
                end
            end
        end
    end
    assign vis_halt = (t_err[gidx] & 4) != 0;        // record 7 bit 2: the halt tick's visit halts (sticky)
    assign no_early = (t_err[gidx] & 12) != 0;       // bits 2, 3: the halt tick's TIME_TICKs are lost ones
    assign TIMING_ERROR_RDY = (t_mode[gidx] != 0) ? terr : (halted || (!busy && !sending && !tsending));
    assign OUT_REQ = oreq;
    assign OUT_DATA = oreq ? odata : 8'd0;

endmodule
