/* Kendall's tau-a by a bitwise radix count of discordant pairs (neurovision.rsa._tau_native).
 *
 * Loaded with ctypes (no Python API here). The caller (neurovision/rsa/_tau_native.py) sorts x and y with
 * numpy (order-preserving uint64 keys with the element index packed into the low bits), then:
 *
 *   nv_min_ranks   y's sorted keys -> r[p] = number of y values strictly below y[p] (min rank), the pairs tied
 *                  in y, and the count array E (E[c] = entries with min rank < c) when y has ties;
 *   nv_x_sequence  x's sorted keys -> v[t] = r[index of the t-th smallest x], each run of tied x sorted (so
 *                  pairs tied in x are never counted as discordant), the pairs tied in x and tied in both;
 *   nv_count       the number of discordant pairs of v: pairs t < u with v[t] > v[u] (nv_level runs one
 *                  level over a whole value range: the caller does the top level, then one half per thread).
 * For bootstrap resamples, nv_x_prepare keeps x's order (and the two conditions of every pair) across
 * resamples, nv_x_sequence_w builds the weighted sequence (weights c_i c_j from condition counts, or given
 * per entry; zero weights dropped), nv_kept_counts[_c] its group bounds, and nv_count_w counts the weighted
 * discordant pairs (and the weight of the pairs tied in y) by the same partition.
 *
 * The count is an MSD radix partition of v, one bit per level from the top, depth first: in a group of entries whose
 * values share all higher bits, every (one, later zero) pair at the current bit is discordant and no other
 * pair of the group is decided at that bit; the zeros are then moved (stably) in front of the ones and each
 * half is a group of the next level. Ranks are known integers in [0, n), so a group's position range is
 * known in advance from E (the identity without ties) and no counting pass is needed. With AVX-512 a level
 * handles 16 entries per step: one mask test, two compress stores, and a 64K-entry table of the discordant
 * pairs inside the 16 lanes. Groups 64 values wide without repeated values are finished in one pass with
 * a 64-bit set of the values seen so far (popcount of the larger ones). The count is exact (int64).
 *
 * References: Knight WR (1966) JASA 61:436-439 (tau in O(n log n) by counting exchanges); this replaces the
 * merge sort of y by a radix partition on y's ranks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NV_X86 1
#endif

typedef int64_t i64;
typedef int32_t i32;
typedef uint64_t u64;

static inline i64 E_at(const i64 *E, i64 n, i64 c) {
    if (c > n) c = n;
    return E ? E[c] : c;
}

int nv_has_avx512(void) {
#ifdef NV_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
#else
    return 0;
#endif
}

/* one level of one group: src[a:e) partitioned by bit s into dst (zeros from a, ones from base1) */
static i64 level_scalar(const i32 *src, i32 *dst, i64 a, i64 e, i64 base1, int s) {
    i64 k1 = 0, acc = 0;
    for (i64 t = a; t < e; t++) {
        i32 v = src[t];
        i64 b = (v >> s) & 1;
        i64 i0 = t - k1;
        dst[i0 + b * (base1 + k1 - i0)] = v;
        acc += k1 & (b - 1);
        k1 += b;
    }
    return acc;
}

#ifdef NV_X86
/* the lanes of v selected by k, packed, written at dst + at; ``end``: where the region being filled ends.
 * A compress into a register and a full 64-byte store (the 16 - popcount(k) lanes after the packed ones are
 * overwritten later by the same region's next stores) is much faster than a compress straight to memory on
 * some CPUs; near the end of the region the masked form keeps the next region intact. */
__attribute__((target("avx512f")))
static inline void store_compressed(i32 *dst, i64 at, i64 end, __mmask16 k, __m512i v) {
    if (at + 16 <= end) _mm512_storeu_si512((void *)(dst + at), _mm512_maskz_compress_epi32(k, v));
    else _mm512_mask_compressstoreu_epi32((void *)(dst + at), k, v);
}

__attribute__((target("avx512f,popcnt")))
static i64 level_avx512(const i32 *src, i32 *dst, i64 a, i64 e, i64 base1, int s, const uint8_t *tab) {
    i64 nz = a, no = base1, k1 = 0, acc = 0, t = a;
    const __m512i bit = _mm512_set1_epi32(1 << s);
    for (; t + 16 <= e; t += 16) {
        __m512i v = _mm512_loadu_si512((const void *)(src + t));
        __mmask16 m = _mm512_test_epi32_mask(v, bit);
        int c1 = __builtin_popcount((unsigned)m);
        acc += k1 * (16 - c1) + tab[m];
        store_compressed(dst, nz, base1, (__mmask16)~m, v);
        store_compressed(dst, no, e, m, v);
        nz += 16 - c1;
        no += c1;
        k1 += c1;
    }
    for (; t < e; t++) {
        i32 v = src[t];
        if ((v >> s) & 1) { dst[no++] = v; k1++; }
        else { dst[nz++] = v; acc += k1; }
    }
    return acc;
}
#endif

static i64 level(const i32 *src, i32 *dst, i64 a, i64 e, i64 base1, int s, const uint8_t *tab) {
#ifdef NV_X86
    if (tab && e - a >= 32) return level_avx512(src, dst, a, e, base1, s, tab);
#endif
    return level_scalar(src, dst, a, e, base1, s);
}

/* discordant pairs among src[a:e), all values in [g0, g0 + 64) and distinct */
static i64 block64(const i32 *src, i64 a, i64 e, i64 g0) {
    u64 seen = 0;
    i64 acc = 0;
    for (i64 t = a; t < e; t++) {
        unsigned o = (unsigned)(src[t] - g0);
        u64 above = o == 63 ? 0 : (~(u64)0) << (o + 1);
        acc += __builtin_popcountll(seen & above);
        seen |= (u64)1 << o;
    }
    return acc;
}

/* does the value range [g0, g0 + 64) hold a repeated value? (E: counts, see above) */
static int has_repeats(const i64 *E, i64 n, i64 g0) {
    if (!E) return 0;
    i64 hi = g0 + 64 < n ? g0 + 64 : n;
    for (i64 c = g0; c < hi; c++)
        if (E[c + 1] - E[c] > 1) return 1;
    return 0;
}

/* One level over the value range [g_lo, g_hi) (aligned to 2^(s+1)): each group of width 2^(s+1) in v is
 * partitioned by bit s into buf; returns the pairs decided at this bit. The caller runs the top level with it,
 * then counts each half of the values (nv_count) on its own thread. ``tab``: the 64K table for AVX-512, or
 * NULL for scalar code. */
i64 nv_level(const i32 *v, i32 *buf, const i64 *E, i64 n, int s, i64 g_lo, i64 g_hi, const uint8_t *tab) {
    i64 G = (i64)1 << (s + 1), half = (i64)1 << s, d = 0;
    for (i64 g0 = g_lo; g0 < g_hi; g0 += G) {
        i64 a = E_at(E, n, g0), e = E_at(E, n, g0 + G);
        if (e - a <= 1) continue;
        d += level(v, buf, a, e, E_at(E, n, g0 + half), s, tab);
    }
    return d;
}

/* direct count for a small group: pairs t < u of src[a:e) with src[t] > src[u] */
static i64 small_u(const i32 *src, i64 a, i64 e) {
    i64 acc = 0;
    for (i64 t = a; t + 1 < e; t++) {
        i32 vt = src[t];
        for (i64 u = t + 1; u < e; u++) acc += src[u] < vt;
    }
    return acc;
}

#define NV_SMALL 16   /* unweighted groups this small are counted pair by pair */
#define NV_SMALL_W 8  /* weighted ones (the pairwise loop is dearer than a level) */

/* discordant pairs of the group of values [g0, g0 + 2^(s+1)) (entries at positions [E(g0), E(g0 + 2^(s+1))),
 * in src), depth first: partition by bit s into dst, then each half. */
static i64 group_u(i32 *src, i32 *dst, const i64 *E, i64 n, int s, i64 g0, const uint8_t *tab) {
    i64 G = (i64)1 << (s + 1), half = (i64)1 << s;
    i64 a = E_at(E, n, g0), e = E_at(E, n, g0 + G);
    if (e - a <= 1) return 0;
    if (e - a <= NV_SMALL) return small_u(src, a, e);
    if (G == 64 && !has_repeats(E, n, g0)) return block64(src, a, e, g0);
    i64 d = level(src, dst, a, e, E_at(E, n, g0 + half), s, tab);
    if (s == 0) return d;
    return d + group_u(dst, src, E, n, s - 1, g0, tab) + group_u(dst, src, E, n, s - 1, g0 + half, tab);
}

/* discordant pairs of v within each group of level s in the value range [g_lo, g_hi) (aligned to 2^(s+1));
 * v and buf are both used as work space. */
i64 nv_count(i32 *v, i32 *buf, const i64 *E, i64 n, int s, i64 g_lo, i64 g_hi, const uint8_t *tab) {
    i64 d = 0;
    for (i64 g0 = g_lo; g0 < g_hi; g0 += (i64)1 << (s + 1)) d += group_u(v, buf, E, n, s, g0, tab);
    return d;
}

/* ---------------------------------------------------------------------------------------------------------
 * rank passes over sorted packed keys: key = (order-preserving image of the value) with its low ``idxbits``
 * bits replaced by the element index. Equal high parts may hide different values (the truncated bits): such
 * runs are re-sorted by value here. */
static _Thread_local const double *g_vals; /* qsort comparator context (runs are tiny and rare) */
static int cmp_idx_by_val(const void *pa, const void *pb) {
    double a = g_vals[*(const i64 *)pa], b = g_vals[*(const i64 *)pb];
    if (a < b) return -1;
    if (a > b) return 1;
    i64 ia = *(const i64 *)pa, ib = *(const i64 *)pb;
    return (ia > ib) - (ia < ib);
}

/* the indices of the sorted keys[i:j) (equal high parts) ordered by value into idx[0:j-i) */
static void run_indices(const u64 *keys, const double *vals, i64 i, i64 j, u64 mask, i64 *idx) {
    int sorted = 1;
    for (i64 t = i; t < j; t++) {
        idx[t - i] = (i64)(keys[t] & mask);
        if (t > i && vals[idx[t - i]] < vals[idx[t - i - 1]]) sorted = 0;
    }
    if (!sorted) {
        g_vals = vals;
        qsort(idx, (size_t)(j - i), sizeof(i64), cmp_idx_by_val);
    }
}

/* From position i of the sorted keys: the end j of the run of equal high parts (returned) and, for a run
 * longer than one, its element indices in value order in idx[0:j-i). */
static i64 key_run(const u64 *keys, const double *vals, i64 n, int idxbits, u64 mask, i64 i, i64 *idx) {
    /* the values of tied runs are read at random: ask for the value 32 keys ahead now, so that those reads
     * overlap instead of each waiting for memory */
    if (i + 32 < n) __builtin_prefetch(vals + (keys[i + 32] & mask));
    u64 hk = keys[i] >> idxbits;
    i64 j = i + 1;
    while (j < n && (keys[j] >> idxbits) == hk) j++;
    if (j - i > 1) run_indices(keys, vals, i, j, mask, idx);
    return j;
}

/* end of the run of values equal to vals[idx[s]] in idx[s:len) */
static inline i64 tie_end(const double *vals, const i64 *idx, i64 s, i64 len) {
    i64 u = s + 1;
    while (u < len && vals[idx[u]] == vals[idx[s]]) u++;
    return u;
}

/* r[p] = min rank of y[p]; returns the number of pairs tied in y. E (n + 1) is written when y has ties
 * (then *has_ties = 1); otherwise E is left unwritten (the identity). ``scratch``: n int64. */
double nv_min_ranks(const u64 *keys, const double *y, i64 n, int idxbits, i32 *r, i64 *E, int *has_ties,
                    i64 *scratch) {
    const u64 mask = (idxbits >= 64) ? ~(u64)0 : (((u64)1 << idxbits) - 1);
    double ty = 0.0;
    int ties = 0;
    i64 i = 0;
    while (i < n) {
        i64 j = key_run(keys, y, n, idxbits, mask, i, scratch);
        if (j - i == 1) {
            r[keys[i] & mask] = (i32)i;
            if (ties) E[i + 1] = i + 1;
            i = j;
            continue;
        }
        i64 *idx = scratch;
        i64 s = 0;
        while (s < j - i) {
            i64 u = tie_end(y, idx, s, j - i);
            i64 g = u - s;
            if (g > 1 && !ties) {
                ties = 1;
                for (i64 c = 0; c <= i + s; c++) E[c] = c;
            }
            for (i64 q = s; q < u; q++) {
                r[idx[q]] = (i32)(i + s);
                if (ties) E[i + q + 1] = i + u;
            }
            ty += 0.5 * (double)g * (double)(g - 1);
            s = u;
        }
        i = j;
    }
    *has_ties = ties;
    return ty;
}

static int cmp_i32(const void *pa, const void *pb) {
    i32 a = *(const i32 *)pa, b = *(const i32 *)pb;
    return (a > b) - (a < b);
}

/* v[t] = r[index of the t-th x in sorted order], runs of tied x sorted ascending; out[0] = pairs tied in x,
 * out[1] = pairs tied in both. ``scratch``: n int64. */
void nv_x_sequence(const u64 *keys, const double *x, const i32 *r, i64 n, int idxbits, i32 *v, double *out,
                   i64 *scratch) {
    const u64 mask = (idxbits >= 64) ? ~(u64)0 : (((u64)1 << idxbits) - 1);
    double tx = 0.0, txy = 0.0;
    i64 i = 0;
    while (i < n) {
        i64 j = key_run(keys, x, n, idxbits, mask, i, scratch);
        if (j - i == 1) {
            if (i + 32 < n) __builtin_prefetch(r + (keys[i + 32] & mask));
            v[i] = r[keys[i] & mask];
            i = j;
            continue;
        }
        i64 *idx = scratch;
        i64 s = 0;
        while (s < j - i) {
            i64 u = tie_end(x, idx, s, j - i);
            for (i64 q = s; q < u; q++) v[i + q] = r[idx[q]];
            i64 g = u - s;
            if (g > 1) {
                tx += 0.5 * (double)g * (double)(g - 1);
                qsort(v + i + s, (size_t)g, sizeof(i32), cmp_i32);
                i64 a = s;
                while (a < u) {
                    i64 b = a + 1;
                    while (b < u && v[i + b] == v[i + a]) b++;
                    txy += 0.5 * (double)(b - a) * (double)(b - a - 1);
                    a = b;
                }
            }
            s = u;
        }
        i = j;
    }
    out[0] = tx;
    out[1] = txy;
}

/* ---------------------------------------------------------------------------------------------------------
 * Weighted variant (bootstrap resamples): entry t carries an integer multiplicity w[t] >= 0 and a discordant
 * pair (t, u) counts w[t] w[u] (the tau-a of the vector with entry t repeated w[t] times). Same partition;
 * at each level the weight of the ones already passed multiplies each zero's weight. */
static i64 level_w_scalar(const i32 *src, const i32 *sw, i32 *dst, i32 *dw, i64 a, i64 e, i64 base1, int s) {
    i64 k1 = 0, ow = 0, acc = 0;
    for (i64 t = a; t < e; t++) {
        i32 v = src[t];
        i64 wt = sw[t];
        i64 b = (v >> s) & 1;
        i64 i0 = t - k1;
        i64 idx = i0 + b * (base1 + k1 - i0);
        dst[idx] = v;
        dw[idx] = (i32)wt;
        acc += (wt * ow) & (b - 1);
        ow += wt & (-b);
        k1 += b;
    }
    return acc;
}

#ifdef NV_X86
/* 16 entries per step, no horizontal sums in the loop: the running weight of the ones is kept broadcast in
 * all lanes (int32: the caller guarantees the group's total weight is below 2^31), the ones' weight before
 * each lane is an exclusive prefix sum over the lanes (4 shifted adds), and the products with the zeros'
 * weights are accumulated in int64 lanes (even and odd lanes separately). */
__attribute__((target("avx512f,popcnt")))
static i64 level_w_avx512(const i32 *src, const i32 *sw, i32 *dst, i32 *dw, i64 a, i64 e, i64 base1, int s) {
    i64 nz = a, no = base1, t = a;
    const __m512i bit = _mm512_set1_epi32(1 << s);
    const __m512i zero = _mm512_setzero_si512();
    const __m512i last = _mm512_set1_epi32(15);
    __m512i ow = _mm512_setzero_si512();  /* weight of the ones passed so far, in every lane */
    __m512i acc = _mm512_setzero_si512(); /* int64 lanes */
    for (; t + 16 <= e; t += 16) {
        __m512i v = _mm512_loadu_si512((const void *)(src + t));
        __m512i w = _mm512_loadu_si512((const void *)(sw + t));
        __mmask16 m = _mm512_test_epi32_mask(v, bit);
        int c1 = __builtin_popcount((unsigned)m);
        __m512i ones = _mm512_maskz_mov_epi32(m, w);
        __m512i wz = _mm512_maskz_mov_epi32((__mmask16)~m, w);
        __m512i ps = _mm512_add_epi32(ones, _mm512_alignr_epi32(ones, zero, 15));  /* inclusive scan */
        ps = _mm512_add_epi32(ps, _mm512_alignr_epi32(ps, zero, 14));
        ps = _mm512_add_epi32(ps, _mm512_alignr_epi32(ps, zero, 12));
        ps = _mm512_add_epi32(ps, _mm512_alignr_epi32(ps, zero, 8));
        __m512i pre = _mm512_add_epi32(ow, _mm512_sub_epi32(ps, ones));          /* exclusive, + earlier */
        acc = _mm512_add_epi64(acc, _mm512_mul_epu32(wz, pre));
        acc = _mm512_add_epi64(acc, _mm512_mul_epu32(_mm512_srli_epi64(wz, 32), _mm512_srli_epi64(pre, 32)));
        ow = _mm512_add_epi32(ow, _mm512_permutexvar_epi32(last, ps));
        store_compressed(dst, nz, base1, (__mmask16)~m, v);
        store_compressed(dw, nz, base1, (__mmask16)~m, w);
        store_compressed(dst, no, e, m, v);
        store_compressed(dw, no, e, m, w);
        nz += 16 - c1;
        no += c1;
    }
    i64 d = _mm512_reduce_add_epi64(acc);
    i64 ows = _mm512_cvtsi512_si32(ow);
    for (; t < e; t++) {
        i32 v = src[t];
        i64 wt = sw[t];
        if ((v >> s) & 1) { dst[no] = v; dw[no++] = (i32)wt; ows += wt; }
        else { dst[nz] = v; dw[nz++] = (i32)wt; d += wt * ows; }
    }
    return d;
}
#endif

static void tied_run_w(i32 *v, i32 *vw, i64 m0, i64 m, double g, double g2, double *tx, double *txy);

/* direct count for a small group: discordant weight, and (added to *tied) the weight of tied pairs */
static i64 small_w(const i32 *src, const i32 *sw, i64 a, i64 e, i64 *tied) {
    i64 acc = 0, tie = 0;
    for (i64 t = a; t + 1 < e; t++) {
        i32 vt = src[t];
        i64 below = 0, same = 0;
        for (i64 u = t + 1; u < e; u++) { /* branch-free */
            below += (i64)sw[u] * (i64)(src[u] < vt);
            same += (i64)sw[u] * (i64)(src[u] == vt);
        }
        acc += below * sw[t];
        tie += same * sw[t];
    }
    *tied += tie;
    return acc;
}

/* weight of the pairs inside w[a:e) (entries that all hold one value) */
static i64 pairs_w(const i32 *w, i64 a, i64 e) {
    i64 s1 = 0, s2 = 0;
    for (i64 t = a; t < e; t++) { s1 += w[t]; s2 += (i64)w[t] * w[t]; }
    return (s1 * s1 - s2) / 2;
}

static i64 group_w(i32 *src, i32 *sw, i32 *dst, i32 *dw, const i64 *E, i64 n, int s, i64 g0, int simd,
                   i64 *tied) {
    i64 G = (i64)1 << (s + 1), half = (i64)1 << s;
    i64 a = E_at(E, n, g0), e = E_at(E, n, g0 + G);
    if (e - a <= 1) return 0;
    if (e - a <= NV_SMALL_W) return small_w(src, sw, a, e, tied);
    i64 b1 = E_at(E, n, g0 + half), d;
#ifdef NV_X86
    if (simd) d = level_w_avx512(src, sw, dst, dw, a, e, b1, s); else
#endif
    d = level_w_scalar(src, sw, dst, dw, a, e, b1, s);
    (void)simd;
    if (s == 0) { /* each half now holds a single value */
        *tied += pairs_w(dw, a, b1) + pairs_w(dw, b1, e);
        return d;
    }
    return d + group_w(dst, dw, src, sw, E, n, s - 1, g0, simd, tied)
             + group_w(dst, dw, src, sw, E, n, s - 1, g0 + half, simd, tied);
}

/* weighted discordant pairs (sum of w[t] w[u] over pairs t < u with v[t] > v[u]) within each group of level s
 * in the value range [g_lo, g_hi); *tied receives the weight of the pairs with v[t] == v[u] (the pairs tied
 * in y). ``simd`` nonzero: AVX-512 (only when nv_has_avx512(), and only when the total weight is below 2^31:
 * the running sums are int32 lanes). v, w, bv, bw are all work space. */
i64 nv_count_w(i32 *v, i32 *w, i32 *bv, i32 *bw, const i64 *E, i64 n, int s, i64 g_lo, i64 g_hi, int simd,
               i64 *tied) {
    i64 d = 0;
    *tied = 0;
    for (i64 g0 = g_lo; g0 < g_hi; g0 += (i64)1 << (s + 1)) d += group_w(v, w, bv, bw, E, n, s, g0, simd, tied);
    return d;
}

static int cmp_i64(const void *pa, const void *pb) {
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* E[c] = number of entries with w > 0 and rank r < c, c = 0..n (the group bounds of nv_count_w for the
 * entries kept by nv_x_sequence_w). */
void nv_kept_counts(const i32 *r, const double *w, i64 n, i64 *E) {
    memset(E, 0, (size_t)(n + 1) * sizeof(i64));
    for (i64 p = 0; p < n; p++) E[(i64)r[p] + 1] += w[p] > 0.0;
    for (i64 c = 1; c <= n; c++) E[c] += E[c - 1];
}

/* ---------------------------------------------------------------------------------------------------------
 * Bootstrap resamples of the conditions: the multiplicity of the pair (i, j) is c_i c_j (condition counts c).
 * Per x row, once: its sort order ox, the two conditions of each pair in that order (ij = i << 16 | j), and
 * the runs of exactly tied x. Per resample: nv_x_sequence_c reads them sequentially (no gather of pair
 * weights), and nv_kept_counts_c gives the group bounds of the entries with c_i c_j > 0. */
i64 nv_x_prepare(const u64 *keys, const double *x, i64 n, int idxbits, i64 ncond, i32 *ox, uint32_t *ij,
                 i64 *runs, i64 *scratch) {
    const u64 mask = (idxbits >= 64) ? ~(u64)0 : (((u64)1 << idxbits) - 1);
    /* conditions of each condensed position (row-major upper triangle), then gathered in x order; ncond = 0:
     * no conditions (ij unused) */
    uint32_t *pij = NULL;
    if (ncond > 0) {
        pij = (uint32_t *)malloc((size_t)n * sizeof(uint32_t));
        if (!pij) return -1;
        i64 p = 0;
        for (i64 i = 0; i < ncond; i++)
            for (i64 j = i + 1; j < ncond; j++) pij[p++] = ((uint32_t)i << 16) | (uint32_t)j;
    }
    i64 nr = 0, i = 0;
    while (i < n) {
        i64 j = key_run(keys, x, n, idxbits, mask, i, scratch);
        if (j - i == 1) {
            ox[i] = (i32)(keys[i] & mask);
        } else {
            i64 *idx = scratch;
            i64 s = 0;
            while (s < j - i) {
                i64 u = tie_end(x, idx, s, j - i);
                if (u - s > 1) { runs[2 * nr] = i + s; runs[2 * nr + 1] = i + u; nr++; }
                s = u;
            }
            for (i64 q = 0; q < j - i; q++) ox[i + q] = (i32)idx[q];
        }
        i = j;
    }
    if (pij) {
        for (i64 t = 0; t < n; t++) ij[t] = pij[ox[t]];
        free(pij);
    }
    return nr;
}

/* the kept entries of one tied-x run v[m0:m) (sorted here by rank, weights carried): adds to tx, txy */
static void tied_run_w(i32 *v, i32 *vw, i64 m0, i64 m, double g, double g2, double *tx, double *txy) {
    if (m - m0 < 2) return;
    *tx += 0.5 * (g * g - g2);
    i64 k = m - m0;
    int64_t *pk = (int64_t *)malloc((size_t)k * sizeof(int64_t));
    for (i64 q = 0; q < k; q++) pk[q] = ((int64_t)v[m0 + q] << 32) | (uint32_t)vw[m0 + q];
    qsort(pk, (size_t)k, sizeof(int64_t), cmp_i64);
    for (i64 q = 0; q < k; q++) { v[m0 + q] = (i32)(pk[q] >> 32); vw[m0 + q] = (i32)(pk[q] & 0xffffffff); }
    free(pk);
    i64 a = m0;
    while (a < m) {
        i64 b = a + 1;
        double h = vw[a], h2 = (double)vw[a] * vw[a];
        while (b < m && v[b] == v[a]) { h += vw[b]; h2 += (double)vw[b] * vw[b]; b++; }
        *txy += 0.5 * (h * h - h2);
        a = b;
    }
}

/* The entries of positive weight in x order (ox, runs: nv_x_prepare), compacted: v[t], vw[t] = rank (r, in the
 * original order) and weight of the t-th of them; runs of tied x sorted by rank (weights carried). Weights:
 * with ij, c_i c_j from the condition counts c (a bootstrap resample: no gather); else w[ox[t]]. out[0] =
 * weight of pairs tied in x, out[1] = tied in both, out[2] = total weight W, out[3] = sum of squared
 * weights. Returns the number of entries kept. */
static inline double weight_at(const uint32_t *ij, const double *c, const double *w, const i32 *ox, i64 t) {
    if (ij) { uint32_t q = ij[t]; return c[q >> 16] * c[q & 0xffff]; }
    return w[ox[t]];
}

i64 nv_x_sequence_w(const i32 *ox, const uint32_t *ij, const i64 *runs, i64 nruns, const i32 *r,
                    const double *c, const double *w, i64 n, i32 *v, i32 *vw, double *out) {
    double tx = 0.0, txy = 0.0, W = 0.0, W2 = 0.0;
    i64 m = 0, t = 0;
    for (i64 k = 0; k <= nruns; k++) {
        i64 stop = k < nruns ? runs[2 * k] : n;
        for (; t < stop; t++) {
            double wt = weight_at(ij, c, w, ox, t);
            if (t + 32 < n) __builtin_prefetch(r + ox[t + 32]);
            v[m] = r[ox[t]];
            vw[m] = (i32)wt;
            m += wt > 0.0;
            W += wt;
            W2 += wt * wt;
        }
        if (k == nruns) break;
        i64 e = runs[2 * k + 1], m0 = m;
        double g = 0.0, g2 = 0.0;
        for (; t < e; t++) {
            double wt = weight_at(ij, c, w, ox, t);
            if (wt <= 0.0) continue;
            v[m] = r[ox[t]];
            vw[m] = (i32)wt;
            m++;
            g += wt;
            g2 += wt * wt;
        }
        W += g;
        W2 += g2;
        tied_run_w(v, vw, m0, m, g, g2, &tx, &txy);
    }
    out[0] = tx; out[1] = txy; out[2] = W; out[3] = W2;
    return m;
}

/* E[c] = number of pairs (i < j) with c_i c_j > 0 and rank r < c (r in condensed order), c = 0..n */
void nv_kept_counts_c(const i32 *r, const double *c, i64 ncond, i64 n, i64 *E) {
    memset(E, 0, (size_t)(n + 1) * sizeof(i64));
    i64 p = 0;
    for (i64 i = 0; i < ncond; i++) {
        if (c[i] <= 0.0) { p += ncond - 1 - i; continue; }
        for (i64 j = i + 1; j < ncond; j++, p++) {
            if (p + 32 < n) __builtin_prefetch(E + r[p + 32] + 1, 1);
            E[(i64)r[p] + 1] += c[j] > 0.0;
        }
    }
    for (i64 k = 1; k <= n; k++) E[k] += E[k - 1];
}
