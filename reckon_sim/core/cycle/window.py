"""A cycle-level window of the srnn.v core: the event FSM (PROP scan) running beside the global FSM's PROP, STEP
and SDONE, sharing the neuron SRAM port, neur_z / neur_dirty, the output membranes and the LFSRs (README
"Operating modes": cut PROP scans). RECKON widths only; every expression follows srnn.v L700-L1235.

Window cycle 0 is the first cycle of a PROP scan (state_evt = CNT). time_tick is high in cycle ws[W_TICK] and
then every ws[W_PERIOD] cycles (0: once). The window's registers live in ws (int64 [W_N]) and the ChipState
(the neuron SRAM output register in qreg), so a call resumes where the last one stopped. A call stops:
- E_TICK: after a PROP cycle with time_tick (the next tick starts; TIMING_ERROR if the scan was busy);
- E_SDONE: at an SDONE cycle, before simulating it (the caller votes; with ws[W_PASS] = 1 the next call
  simulates it and goes on to PROP);
- E_READY: at a PROP cycle with the scan done and no time_tick (TIMING_ERROR_RDY high), not simulated;
- E_STALE: a write from, or an EVT pass through, an SRAM output register not loaded in the window (not modelled);
- E_HOLD_DONE / E_HOLD_TICK: in HOLD (SDONE passed with ws[W_HOLD] = n > 0: n cycles of SEND, whose SRAM ports
  stay the scan's, srnn.v L1260-L1322, then PROP) at a cycle with the scan done / with a time_tick, not simulated;
- E_HOLD_END: after HOLD's last cycle (the scan still busy; the next call runs PROP);
- E_HOLD_WAIT: at HOLD's first cycle when passed with ws[W_HOLD] = -1 (the caller sets the length, calls again);
- E_HOLD_EVT: with ws[W_HOLD_EPROP] = 1 (HOLD is EPROP, whose cs / addr drive the SRAMs while the scan's
  neur_we still does: srnn.v L1260-L1264), at a HOLD cycle in which the scan is not in a quiet CNT (no
  write enable, no CNT -> EVT and its output-weight read): not modelled.
"""
from __future__ import annotations

import numpy as np
from numba import njit

WAIT, CNT, EVT, SUPP = 0, 1, 2, 3
G_PROP, G_STEP, G_SDONE, G_HOLD = 1, 2, 3, 4
E_TICK, E_SDONE, E_READY, E_STALE, E_HOLD_DONE, E_HOLD_TICK, E_HOLD_END, E_HOLD_EVT, E_HOLD_WAIT = range(9)
L_NEUR, L_ONEUR, L_TINP, L_TREC, L_TOUT, L_NOISE = 0, 2, 3, 5, 7, 9
# ws[] indices: the window's registers and counters
(W_T, W_STATE, W_EVT, W_N256, W_N128, W_SUPP, W_WOUT_DEL, W_STEP_CNT, W_QWORD, W_WINP_Q, W_WREC_Q, W_WOUT_Q, W_TICK,
 W_PERIOD, W_PASS, W_SPIKES, W_SOPS, W_BUSY_TICK, W_HOLD, W_HOLD_ONEUR, W_HOLD_EPROP, W_N) = range(22)
# W_HOLD: HOLD cycles left; W_HOLD_ONEUR: 1 once the scan adds output weights in HOLD (SEND's items read them)


def new_window() -> np.ndarray:
    """The registers at the first cycle of a PROP scan: state PROP, state_evt CNT, counters 0, output registers
    of the SRAMs not known (the neuron SRAM's word is read before it is used)."""
    ws = np.zeros(W_N, np.int64)
    ws[W_STATE], ws[W_EVT] = G_PROP, CNT
    ws[W_QWORD] = ws[W_WINP_Q] = ws[W_WREC_Q] = ws[W_WOUT_Q] = ws[W_TICK] = -1
    return ws


@njit(cache=True, inline="always")
def _s16(x):
    x &= 0xFFFF
    return x - 0x10000 if x & 0x8000 else x


@njit(cache=True, inline="always")
def _sat16(a, b, r):
    """srnn.v's overflow rule: r (= a + b mod 2^16) saturates when a and b share a sign that r lacks."""
    if a >= 0 and b >= 0 and r < 0:
        return 0x7FFF
    if a < 0 and b < 0 and r >= 0:
        return -0x8000
    return r


@njit(cache=True, inline="always")
def _lfsr_step(pos, seq, s):
    return np.int64(seq[pos[s] + 1])


@njit(cache=True, inline="always")
def _lfsr_out(pos, seq_out, s):
    return np.int64(seq_out[pos[s]])


@njit(cache=True, inline="always")
def _trace_leak(t, alpha, rand, en_sr, frac, width_mask, stoch_ok):
    """trace * factor, bits [frac + w - 1 : frac] plus the stochastic-round bit (srnn.v L1219-L1234)."""
    prod = t * alpha
    hi = (prod >> frac) & width_mask
    st = 1 if (en_sr and stoch_ok and (prod & ((1 << frac) - 1)) >= rand and hi != 0) else 0
    return (hi + st) & width_mask


@njit(cache=True, inline="always")
def _trace_inc(t, inc, width_mask):
    v = (t + inc) & width_mask
    return width_mask if v < t else v


@njit(cache=True, inline="always")
def _next_evt(sevt, into_prop, n256, n128, supp_cycle, inp_event, z_src, num_neur, num_rec, inp_trace):
    """The event FSM's next state (srnn.v L1000-L1020); into_prop: the global FSM's edge into PROP."""
    if sevt == WAIT:
        return CNT if into_prop else WAIT
    done = WAIT if n256 == num_neur else CNT
    if sevt == CNT:
        return EVT if (z_src or inp_event) else done
    if sevt == EVT:
        if (n128 >> 1) == (num_rec >> 1) and (n128 & 1) != 0:            # the pass's last cycle
            return SUPP if (inp_event and n256 > num_rec and inp_trace) else done
        return EVT
    return done if supp_cycle else SUPP


@njit(cache=True, inline="always")
def _slot(reg, tb, lfsr, winp, wrec, n, u, ti, tr, to, in_evt, n128, inp_event, z_src, winp_q, wrec_q, in_step,
          odd_step, alpha, th, slot_src, inp_tr, rec_tr, out_tr):
    """Slot n's neuron-SRAM data in: the membrane (EVT integration L1088-L1097, else STEP leak / spike / reset
    L1110-L1117) and the traces (the event's increment, STEP's leak, else unchanged: L1218-L1234), from the
    dirty-gated fields of the output register. Returns (u, ti, tr, to, spike)."""
    en_sr = reg.en_stoch_round != 0
    alpha_one = alpha == 0x8000
    b = (2 * (n128 >> 1) + n) & 15                       # the post's byte in the weight word
    uwi, uwr = 0, 0
    if (n128 & 1) != 0 and inp_event:
        uwi = _s16(np.int64(winp[winp_q >> 4, 16 * (winp_q & 15) + b]) << reg.fp_winp)
    if (n128 & 1) != 0 and z_src:
        uwr = _s16(np.int64(wrec[wrec_q >> 4, 16 * (wrec_q & 15) + b]) << reg.fp_wrec)
    uwt = _s16(uwi + uwr)
    uw = 0x7FFF if (uwt < 0 and uwr >= 0 and uwi >= 0) else (-0x8000 if (uwt >= 0 and uwr < 0 and uwi < 0) else uwt)
    noise = 0
    if reg.noise_en != 0:
        noise = _s16(_lfsr_out(tb.noise_pos, tb.noise_seq_out, lfsr[L_NOISE]) >> (16 * n)) >> reg.noise_str
    u_next = _sat16(u, uw, _s16(u + uw + noise))
    spk, u_step = 0, 0
    if odd_step:
        leak = u * (alpha & 0x1FFFF)
        hi = _s16(leak >> 15)
        rnd = _lfsr_out(tb.neur_pos, tb.neur_seq_out, lfsr[L_NEUR + n])
        lkst = _s16(hi + (1 if (en_sr and not alpha_one and (leak & 0x7FFF) >= rnd and hi != 0) else 0))
        spk = 1 if u >= th else 0
        u_step = (0 if reg.rst_mode != 0 else _s16(lkst - th)) if spk else lkst
    kappa = reg.kappa
    if inp_tr and slot_src:
        ti_next = _trace_inc(ti, 8 << reg.fp_trace[0], 0xFFF)
    else:
        r_i = _lfsr_out(tb.neur_pos, tb.neur_seq_out, lfsr[L_TINP + n])
        ti_next = _trace_leak(ti, alpha, r_i, en_sr, 15, 0xFFF, not alpha_one) if in_step else ti
    if rec_tr and slot_src:
        tr_next = _trace_inc(tr, 8 << reg.fp_trace[1], 0xFFF)
    else:
        r_r = _lfsr_out(tb.neur_pos, tb.neur_seq_out, lfsr[L_TREC + n])
        tr_next = _trace_leak(tr, alpha, r_r, en_sr, 15, 0xFFF, not alpha_one) if in_step else tr
    if out_tr and slot_src:
        to_next = _trace_inc(to, 2 << reg.fp_trace[2], 0x3FF)
    else:
        r_o = _lfsr_out(tb.oneur_pos, tb.oneur_seq_out, lfsr[L_TOUT + n])
        to_next = _trace_leak(to, kappa, r_o, en_sr, 7, 0x3FF, kappa != 0x80) if in_step else to
    return (u_next if in_evt else u_step), ti_next, tr_next, to_next, spk


@njit(cache=True, inline="always")
def _oneur_update(reg, tb, lfsr, oneur, wout, wout_q, wout_cs_del, in_step, step_cnt):
    """Output membranes (L1160-L1183): the scan's output-weight add (all outputs) wins over STEP's leak of
    output step_cnt. Returns the synaptic operations done."""
    kappa = reg.kappa
    if wout_cs_del:
        for k in range(reg.num_out + 1):
            uw = _s16(np.int64(wout[wout_q, k]) << reg.fp_wout)
            oneur[k] = _sat16(oneur[k], uw, _s16(oneur[k] + uw))
        return reg.num_out + 1
    k = step_cnt & 15
    if in_step and step_cnt < 16 and k <= reg.num_out:
        leak = oneur[k] * kappa
        rnd = _lfsr_out(tb.oneur_pos, tb.oneur_seq_out, lfsr[L_ONEUR])
        stc = 1 if (reg.en_stoch_round != 0 and kappa != 0x80 and (leak & 0x7F) >= rnd and _s16(leak >> 7) != 0) else 0
        oneur[k] = _s16(_s16(leak >> 7) + stc)
    return 0


@njit(cache=True, inline="always")
def _lfsr_advance(reg, tb, lfsr, noise_en, odd_step, alpha_one, in_step, step_cnt):
    """The LFSRs' enables (L1083, L1103, L1155, L1188-L1215): noise in PROP on write cycles, rounding in STEP."""
    en_sr = reg.en_stoch_round != 0
    if reg.noise_en != 0 and noise_en:
        lfsr[L_NOISE] = _lfsr_step(tb.noise_pos, tb.noise_seq, lfsr[L_NOISE])
    if en_sr and odd_step:
        for n in range(2):
            if not alpha_one:
                lfsr[L_NEUR + n] = _lfsr_step(tb.neur_pos, tb.neur_seq, lfsr[L_NEUR + n])
            lfsr[L_TINP + n] = _lfsr_step(tb.neur_pos, tb.neur_seq, lfsr[L_TINP + n])
            lfsr[L_TREC + n] = _lfsr_step(tb.neur_pos, tb.neur_seq, lfsr[L_TREC + n])
            lfsr[L_TOUT + n] = _lfsr_step(tb.oneur_pos, tb.oneur_seq, lfsr[L_TOUT + n])
    if en_sr and in_step and reg.kappa != 0x80 and step_cnt < 16:
        lfsr[L_ONEUR] = _lfsr_step(tb.oneur_pos, tb.oneur_seq, lfsr[L_ONEUR])


@njit(cache=True)
def run_window(reg, do_eprop, alpha_w, st, tb, inp_next, ws, max_cycles):
    """Simulate cycles ws[W_T].. of the window on st (mutated in place: neuron SRAM fields, dirty, z, inp, oneur,
    lfsr, qreg) until a stop (E_*, returned). alpha_w: int64 [128] {alpha_msb, alpha_lsb} of each word
    (Params.alpha); inp_next: uint8 [256] inp_events_next (latched by a time_tick)."""
    num_inp, num_rec, num_out = reg.num_inp, reg.num_rec, reg.num_out
    num_neur = max(num_rec, num_inp)
    num_recout = max(num_inp, num_rec, num_out)
    tr_bits = do_eprop | (7 if reg.force_traces != 0 else 0)   # DO_EPROP[x] | FORCE_TRACES per trace
    mem, tinp, trec, tout, thr, dirty, z, inp = (st.membrane, st.trace_inp, st.trace_rec, st.trace_out, st.thr,
                                                 st.dirty, st.z, st.inp)
    oneur, lfsr, qreg, winp, wrec, wout = st.oneur, st.lfsr, st.qreg, st.winp, st.wrec, st.wout
    # Q: the neuron SRAM output register (fields of both slots, and the word it holds for thr / alpha)
    qu, qti, qtr, qto = np.zeros(2, np.int64), np.zeros(2, np.int64), np.zeros(2, np.int64), np.zeros(2, np.int64)
    for n in range(2):
        qu[n], qti[n], qtr[n], qto[n] = qreg[n, 0], qreg[n, 1], qreg[n, 2], qreg[n, 3]
    q_word, winp_q, wrec_q, wout_q = ws[W_QWORD], ws[W_WINP_Q], ws[W_WREC_Q], ws[W_WOUT_Q]   # -1: unknown
    state, sevt, n256, n128 = ws[W_STATE], ws[W_EVT], ws[W_N256], ws[W_N128]
    supp_cycle, wout_cs_del, step_cnt = ws[W_SUPP], ws[W_WOUT_DEL], ws[W_STEP_CNT]
    spikes, sops = ws[W_SPIKES], ws[W_SOPS]
    stop = E_STALE
    t = ws[W_T]
    nu, nti, ntr, nto = np.zeros(2, np.int64), np.zeros(2, np.int64), np.zeros(2, np.int64), np.zeros(2, np.int64)
    spk = np.zeros(2, np.int64)
    t_end = t + max_cycles
    while t < t_end:
        tt = ws[W_TICK] == t
        if state == G_PROP and sevt == WAIT and not tt:
            stop = E_READY
            break
        if state == G_HOLD and (sevt == WAIT or tt or ws[W_HOLD] < 0):
            stop = E_HOLD_DONE if sevt == WAIT else (E_HOLD_WAIT if ws[W_HOLD] < 0 else E_HOLD_TICK)
            break
        # ---- global FSM next state (srnn.v L705-L735; SDONE goes to PROP when the caller passes it)
        if state == G_PROP:
            nstate = G_STEP if tt else G_PROP
        elif state == G_STEP:
            nstate = G_SDONE if step_cnt == num_recout else G_STEP
        elif state == G_HOLD:
            ws[W_HOLD] -= 1
            nstate = G_HOLD if ws[W_HOLD] > 0 else G_PROP
        else:
            if ws[W_PASS] == 0:
                stop = E_SDONE
                break
            ws[W_PASS] = 0
            nstate = G_HOLD if ws[W_HOLD] != 0 else G_PROP
        inp_event = inp[n256] != 0
        z_src = z[n256] != 0
        nevt = _next_evt(sevt, state != G_PROP and nstate == G_PROP, n256, n128, supp_cycle, inp_event, z_src,
                         num_neur, num_rec, (tr_bits & 1) != 0)
        if state == G_HOLD and ws[W_HOLD_EPROP] != 0 and (sevt != CNT or nevt == EVT or supp_cycle != 0):
            stop = E_HOLD_EVT
            break
        # ---- neuron SRAM port (srnn.v L1107-L1131)
        in_step = state == G_STEP
        cs = sevt == EVT or sevt == SUPP or in_step
        we = (n128 & 1) != 0 or supp_cycle != 0 or (step_cnt & 1) != 0
        addr = (n128 >> 1) if sevt == EVT else ((n256 >> 1) if sevt == SUPP else (step_cnt >> 1))
        if q_word < 0 and cs and we:
            break                                    # a write from a Q not read in the window
        qw = max(q_word, 0)
        alpha = (alpha_w[addr] & 0xF000) | (alpha_w[qw] & 0xFFF)
        th = thr[qw]
        for n in range(2):
            d = dirty[2 * addr + n] != 0
            nu[n], nti[n], ntr[n], nto[n] = (qu[n], qti[n], qtr[n], qto[n]) if d else (0, 0, 0, 0)
        on_src = addr == (n256 >> 1)
        evt_or_supp = sevt == EVT or sevt == SUPP
        inp_tr = evt_or_supp and inp_event and on_src and (tr_bits & 1) != 0
        rec_tr = sevt == EVT and z_src and on_src and (tr_bits & 2) != 0
        out_tr = sevt == EVT and z_src and on_src and (tr_bits & 4) != 0
        odd_step = in_step and (step_cnt & 1) != 0
        alpha_one = alpha == 0x8000
        if (n128 & 1) != 0 and (inp_event or z_src):
            if inp_event and winp_q < 0 or z_src and wrec_q < 0:
                break
        for n in range(2):
            nu[n], nti[n], ntr[n], nto[n], spk[n] = _slot(
                reg, tb, lfsr, winp, wrec, n, nu[n], nti[n], ntr[n], nto[n], sevt == EVT, n128, inp_event, z_src,
                winp_q, wrec_q, in_step, odd_step, alpha, th, n == (n256 & 1), inp_tr, rec_tr, out_tr)
        # ---- SRAM read-before-write, masks (L1113-L1122), dirty (L1145-L1150)
        if cs:
            for n in range(2):
                j = 2 * addr + n
                old = (mem[j], tinp[j], trec[j], tout[j])
                if we:
                    keep = dirty[j] == 0 or (step_cnt & 1) != 0
                    slot_src = n == (n256 & 1)
                    if supp_cycle == 0:
                        mem[j] = nu[n]
                    if (inp_tr and slot_src) or keep:
                        tinp[j] = nti[n]
                    if (rec_tr and slot_src) or keep:
                        trec[j] = ntr[n]
                    if (out_tr and slot_src) or keep:
                        tout[j] = nto[n]
                qu[n], qti[n], qtr[n], qto[n] = old
            q_word = addr
            if we:
                dirty[2 * addr] = 1
                dirty[2 * addr + 1] = 1
        # ---- neur_z (L1138-L1144) and inp_events (L611-L624)
        clear = cs and we and evt_or_supp and (nevt == CNT or nevt == WAIT)
        if in_step:
            for n in range(2):
                spikes += spk[n]
                z[2 * (step_cnt >> 1) + n] = spk[n]
        if clear and not (in_step and (n256 >> 1) == (step_cnt >> 1)):
            z[n256] = 0
        if tt:
            for c in range(256):                     # inp_events <= inp_events_next
                inp[c] = inp_next[c]
                inp_next[c] = 0
        elif clear:
            inp[n256] = 0
        # ---- weight-SRAM reads (L1060-L1066)
        if sevt == EVT and (n128 & 15) == 0:
            if inp_event:
                winp_q = n256 * 16 + (n128 >> 4)
            if z_src:
                wrec_q = n256 * 16 + (n128 >> 4)
            if inp_event or z_src:
                sops += (num_rec + 1) * ((1 if inp_event else 0) + (1 if z_src else 0)) if n128 == 0 else 0
        wout_cs = sevt == CNT and nevt == EVT and z_src
        if wout_cs_del and state == G_HOLD:
            ws[W_HOLD_ONEUR] = 1
        sops += _oneur_update(reg, tb, lfsr, oneur, wout, wout_q, wout_cs_del, in_step, step_cnt)
        if wout_cs:
            wout_q = n256
        _lfsr_advance(reg, tb, lfsr, state == G_PROP and (n128 & 1) != 0, odd_step, alpha_one, in_step, step_cnt)
        # ---- counters and state registers (L746-L751, L1068-L1078)
        n128 = 0 if nevt != EVT else (n128 + 1 if sevt == EVT else n128)
        n256 = 0 if sevt == WAIT else ((n256 + 1) & 0xFF if nevt == CNT else n256)
        supp_cycle = 1 if sevt == SUPP else 0
        wout_cs_del = 1 if wout_cs else 0
        step_cnt = 0 if nstate != G_STEP else (step_cnt + 1 if in_step else step_cnt)
        if tt:
            ws[W_BUSY_TICK] = 1 if (state != G_PROP or sevt != WAIT) else 0     # TIMING_ERROR (L756-L757)
            ws[W_TICK] = ws[W_TICK] + ws[W_PERIOD] if ws[W_PERIOD] > 0 else -1
        held = state == G_HOLD
        state, sevt = nstate, nevt
        t += 1
        if held and state == G_PROP:
            stop = E_HOLD_END
            break
        if tt and state == G_STEP:
            stop = E_TICK
            break
    for n in range(2):
        qreg[n, 0], qreg[n, 1], qreg[n, 2], qreg[n, 3] = qu[n], qti[n], qtr[n], qto[n]
    ws[W_T], ws[W_STATE], ws[W_EVT], ws[W_N256], ws[W_N128] = t, state, sevt, n256, n128
    ws[W_SUPP], ws[W_WOUT_DEL], ws[W_STEP_CNT], ws[W_SPIKES], ws[W_SOPS] = supp_cycle, wout_cs_del, step_cnt, spikes, sops
    ws[W_QWORD], ws[W_WINP_Q], ws[W_WREC_Q], ws[W_WOUT_Q] = q_word, winp_q, wrec_q, wout_q
    return stop
