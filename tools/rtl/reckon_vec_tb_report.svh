// reckon_vec_tb_report.svh: first-mismatch reports of the SPI read-back and the CONFIG probes - part of reckon_vec_tb.sv (`include'd inside the module; not a compilation unit of its own).
    task automatic report_readback_mismatch;
        integer code, addr, word, q, b, fb;
        begin
            code = {29'd0, first_cmd[30:28]};
            addr = {16'd0, first_cmd[15:0]} + first_i;
            word = addr >> 2;
            q = addr & 3;
            fb = -1;
            for (b = 3; b >= 0; b = b - 1) if (first_got[8*b +: 8] !== first_expw[8*b +: 8]) fb = b;
            $display("[reckon_vec_tb]   read-back: %0d of %0d words differ; first mismatch at %0s SRAM word 0x%0h quarter %0d (SPI addr 0x%0h): read 0x%08h, expected 0x%08h",
                     bad_words, n_words, code == 1 ? "neuron" : (code == 2 ? "output-membrane" : (code == 3 ? "winp" : (code == 4 ? "wrec" : "wout"))),
                     word, q, addr, first_got, first_expw);
            if (code == 2)
                $display("[reckon_vec_tb]   = output membrane %0d: read %0d, expected %0d", addr & 15,
                         $signed(first_got[15:0]), $signed(first_expw[15:0]));
            else if (code == 3 || code == 4)
                $display("[reckon_vec_tb]   = %0s[pre %0d][post %0d]: read %0d, expected %0d", code == 3 ? "Winp" : "Wrec",
                         word >> 4, ((word & 15) << 4) + 4 * q + fb, $signed(first_got[8*fb +: 8]),
                         $signed(first_expw[8*fb +: 8]));
            else if (code == 5)
                $display("[reckon_vec_tb]   = Wout[pre %0d][out %0d]: read %0d, expected %0d", word, 4 * q + fb,
                         $signed(first_got[8*fb +: 8]), $signed(first_expw[8*fb +: 8]));
            else
                $display("[reckon_vec_tb]   = neuron word %0d (neurons %0d, %0d) bits %0d:%0d", word, 2 * word,
                         2 * word + 1, 32 * q + 31, 32 * q);
        end
    endtask

    // the first divergent probe word as tick, neuron / output and field (reckon_sim/hw/memories.py layout)
    task automatic report_probe_mismatch;
        integer code, addr, b, g, n;
        reg [31:0] diff;
        reg [8*16-1:0] fld;
        begin
            code = {29'd0, cfg_first_cmd[30:28]};
            addr = {16'd0, cfg_first_cmd[15:0]} + cfg_first_i;
            diff = cfg_first_got ^ cfg_first_exp;
            b = 0;
            while (b < 31 && diff[b] !== 1'b1) b = b + 1;
            g = 32 * (addr & 3) + b;                            // lowest differing bit of the 128-bit word
            n = 2 * ((addr >> 2) & 127) + (g >= 50 && g < 100 ? 1 : 0);
            if (g >= 50 && g < 100) g = g - 50;
            fld = g < 16 ? "membrane" : (g < 28 ? "trace_inp" : (g < 40 ? "trace_rec" : (g < 50 ? "trace_out"
                  : (g < 116 ? "threshold" : "alpha_lsb"))));
            if (code == 2)
                $display("[reckon_vec_tb]   probe: first divergent tick %0d, output %0d, field output membrane: read %0d, expected %0d",
                         first_cfg_tick, addr & 15, $signed(cfg_first_got[15:0]), $signed(cfg_first_exp[15:0]));
            else if (code == 1 && g < 50)
                $display("[reckon_vec_tb]   probe: first divergent tick %0d, neuron %0d, field %0s (neuron word %0d bit %0d)",
                         first_cfg_tick, n, fld, (addr >> 2) & 127, 32 * (addr & 3) + b);
            else if (code == 1)
                $display("[reckon_vec_tb]   probe: first divergent tick %0d, neurons %0d/%0d, field %0s (neuron word %0d bit %0d)",
                         first_cfg_tick, 2 * ((addr >> 2) & 127), 2 * ((addr >> 2) & 127) + 1, fld, (addr >> 2) & 127,
                         32 * (addr & 3) + b);
            else
                $display("[reckon_vec_tb]   probe: first divergent tick %0d, SPI code %0d word 0x%0h bit %0d",
                         first_cfg_tick, code, addr, b);
        end
    endtask
