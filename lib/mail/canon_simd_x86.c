/*
 * canon_simd_x86 - x86-64 block kernels for relaxed body
 * canonicalization (see canon_simd.h for the contract)
 *
 * Each 64-byte block becomes four bit masks, bit i for byte i: WSP
 * (SP, HT), CR, LF and LE, where a line end starts (a CR before an
 * LF, or an LF).  Two carries (the last byte was CR; the line so far
 * is WSP or nothing) link a block to the one before it, and the masks
 * of the block after it are known before it is done:
 *
 *	drop = W & (next W | next LE)
 *
 * drops every WSP byte that another WSP byte or a line end follows:
 * of a run, only its last byte is kept, and only if line content
 * follows it; HT or SP, it goes out as SP.  (Keeping the last byte,
 * not the first, needs no flow backwards from a line end to the run
 * before it: one shift of each mask does, however long the run.)  A
 * run that goes on where the kernel stops has had nothing out and is
 * left pending for the byte-level paths.  Only bit 0 of the next
 * block's masks is needed, so the last whole block of a chunk is done
 * with the two bytes after it read one by one (blk_edge), and the
 * bytes after that block, but the chunk's last two, as part of the
 * block that ends where the chunk ends (blk_part).  The kept bytes
 * are packed into the output: vpcompressb with AVX-512 VBMI2; with
 * AVX2 and SSSE3, pshufb with blk_tab16, the indices of the kept
 * bytes for every 16-bit mask, one lookup per 16 bytes.
 *
 * Empty lines: a line end that is the first non-WSP byte after the
 * last LF, found with one add (W + the bytes after LF, carrying
 * through the WSP run).  Its CR LF goes out as it stands only when
 * line content follows, which a short scan checks; otherwise the
 * kernel stops for the byte-level paths, which hold empty lines back.
 *
 * This file is the only one that tests the architecture; elsewhere
 * the kernel is a function pointer that may be NULL.
 */

#include "canon_simd.h"

#if defined(__x86_64__)

#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* Masks of one block; bit i is byte i. */
struct blk_masks {
	uint64_t	 w;		/* SP or HT */
	uint64_t	 cr;		/* CR */
	uint64_t	 lf;		/* LF */
	uint64_t	 le;		/* line end starts: CR before LF, LF */
};

/* What a block hands the next: 0 or 1 each. */
struct blk_carry {
	uint64_t	 cr;		/* last byte was CR */
	uint64_t	 ls;		/* the line so far is WSP or nothing */
};

#define BLK_SCAN	256	/* how far to look for content after an
				 * empty line before giving up */
#define BLK_AHEAD	512	/* how far ahead the kernels prefetch */
#define BLK_NEXT	(2 * AM_CANON_BLK + 1)	/* a block, the next one
				 * and the byte after that: the next block's
				 * masks can be loaded */

/*
 * blk_prefetch - ask for the input BLK_AHEAD bytes ahead; at the
 * kernel's start (from set), for every line up to there within the
 * chunk.  A body chunk that is not in the cache (a large one, or one
 * the sender's read left behind) otherwise stalls the kernel on every
 * new line: SHA-256, much slower, hides that latency, the kernel does
 * not.  Measured: 2 KB bodies, AVX2, about 8% less time per message.
 * In the block loop the hint goes out without a test against the
 * chunk's end (a branch that each message mispredicted once): 2 KB
 * relaxed bodies, AVX2, 82.1% -> 83.0% of raw SHA-256.
 */

static inline void
blk_prefetch(const unsigned char *p, const unsigned char *end, int start)
{
	const unsigned char	*q;

	if (start)
		for (q = p + 2 * AM_CANON_BLK; q < p + BLK_AHEAD && q < end;
		    q += AM_CANON_BLK)
			__builtin_prefetch(q);
	/* An address, not a pointer into the chunk: past the chunk's end
	 * a prefetch is a wasted hint, never a fault or a read. */
	__builtin_prefetch((const void *)((uintptr_t)p + BLK_AHEAD));
}

/* blk_le - fill in m->le, given the byte after the block */

static inline void
blk_le(struct blk_masks *m, unsigned char next)
{
	uint64_t	 nlf = (m->lf >> 1) | ((uint64_t)(next == '\n') << 63);

	m->le = m->lf | (m->cr & nlf);
}

/*
 * blk_edge - bit 0 of the masks of the block at q, from its first two
 * bytes (q + 2 <= end): all that blk_keep needs of the block after the
 * last one the chunk holds whole
 */

static inline void
blk_edge(const unsigned char *q, struct blk_masks *m)
{
	m->w = q[0] == ' ' || q[0] == '\t';
	m->le = q[0] == '\n' || (q[0] == '\r' && q[1] == '\n');
}

/*
 * blk_content_follows - q is the CR of a CR LF that ends an empty line:
 * does line content follow before end?  WSP and line ends in between
 * only make more empty lines.  A bare CR is content; a CR at the end
 * of the chunk might not be.  Gives up (0) after BLK_SCAN bytes.
 */

static int
blk_content_follows(const unsigned char *q, const unsigned char *end)
{
	const unsigned char	*lim;

	q += 2;
	lim = end - q > BLK_SCAN ? q + BLK_SCAN : end;
	for (; q < lim; q++) {
		if (*q == ' ' || *q == '\t' || *q == '\n')
			continue;
		if (*q != '\r')
			return 1;
		if (end - q < 2)
			return 0;
		if (q[1] != '\n')
			return 1;
	}
	return 0;
}

/*
 * blk_plan_from - can bytes s to 63 of block m (at q), those set in rm,
 * be done here?  0, or why not.  *sum is W plus the line starts of
 * those bytes: its carry out of a bit says that the line so far is
 * WSP or nothing there (blk_next, blk_part).
 */

static inline int
blk_plan_from(const struct blk_masks *m, const struct blk_carry *k,
    unsigned s, uint64_t rm, const unsigned char *q,
    const unsigned char *end, uint64_t *sum)
{
	uint64_t	 w = m->w & rm, lf = m->lf & rm, e;

	if (lf & ~((m->cr << 1) | (k->cr << s)))
		return AM_CANON_BLK_BARE_LF;
	/* First non-WSP byte of each line; empty if it ends the line. */
	*sum = w + (((lf << 1) | (k->ls << s)) & rm);
	e = *sum & ~w & m->le & rm;
	if (e != 0 && !blk_content_follows(q + 63 - __builtin_clzll(e), end))
		return AM_CANON_BLK_ODD;
	return 0;
}

/* blk_plan - can block m (at p) be done here?  0, or why not. */

static inline int
blk_plan(const struct blk_masks *m, const struct blk_carry *k,
    const unsigned char *p, const unsigned char *end)
{
	uint64_t	 sum;

	return blk_plan_from(m, k, 0, ~0ULL, p, end, &sum);
}

/*
 * blk_keep - the bytes of block m that relaxed keeps, given the block
 * after it: all but the WSP bytes followed by WSP or by a line end.
 * Of a WSP run that is the last byte (SP after the HT-to-SP map), if
 * line content follows, and nothing before a line end: one look at
 * the next byte, no carry through the run, however long.
 */

static inline uint64_t
blk_keep(const struct blk_masks *m, const struct blk_masks *nx)
{
	uint64_t	 wle = ((m->w | m->le) >> 1) | ((nx->w | nx->le) << 63);

	return ~(m->w & wle);
}

/* blk_next - the carries from block m */

static inline void
blk_next(const struct blk_masks *m, struct blk_carry *k)
{
	uint64_t	 sum, t = (m->lf << 1) | k->ls;
	int		 out;

	out = __builtin_add_overflow(m->w, t, &sum);
	k->ls = (uint64_t)out | (m->lf >> 63);
	k->cr = m->cr >> 63;
}

/*
 * blk_part - the last bytes of a chunk, p to end, too few for a block
 * and its two bytes after (3 to 64), are done as the block at q = end -
 * 64, whose bytes before p were done already: m holds its masks (no LE
 * past bit 62) and s = p - q.  Bytes s to 61 are done here; the chunk's
 * last two are left to the byte-level paths, which must see the next
 * chunk to know what they are.  Fills in *keep (bits of q) and brings
 * k to end - 2; returns 0, or why the bytes cannot be done here.  Done
 * in a block, the tail takes no data-dependent branch, where the
 * byte-level paths take several.
 */

static inline int
blk_part(const struct blk_masks *m, unsigned s, struct blk_carry *k,
    const unsigned char *q, const unsigned char *end, uint64_t *keep)
{
	const struct blk_masks	 none = { 0, 0, 0, 0 };
	uint64_t		 rm = (~0ULL << s) & ((1ULL << 62) - 1), sum;
	int			 stop;

	if ((stop = blk_plan_from(m, k, s, rm, q, end, &sum)) != 0)
		return stop;
	*keep = rm & blk_keep(m, &none);	/* bit 61's next: bit 62 */
	k->ls = ((sum >> 62) & 1) | ((m->lf >> 61) & 1);
	k->cr = (m->cr >> 61) & 1;
	return 0;
}

/* blk_part_ok - can the tail from p be done by blk_part? */

static inline int
blk_part_ok(const struct am_canon_blk *b, const unsigned char *p,
    const unsigned char *o, int stop)
{
	return stop == AM_CANON_BLK_SHORT && b->end - p > 2 &&
	    b->end - p <= AM_CANON_BLK && b->end - b->p >= AM_CANON_BLK &&
	    o <= b->olim;
}

/*
 * blk_settle - the kernel, started at from, stops at p (p < end): the
 * CR of a CR LF is out, so the LF goes too.  A WSP run that goes on at
 * p has had nothing out yet (blk_keep keeps a run's last byte): it is
 * left pending.
 */

static inline void
blk_settle(struct am_canon_blk *b, const unsigned char *from,
    const unsigned char *p, unsigned char *o, const struct blk_carry *k)
{
	b->wsp = 0;
	b->midline = !k->ls;
	if (p > from && p[-1] == '\r' && p[0] == '\n') {
		*o++ = '\n';
		p++;
		b->midline = 0;
	} else if (p > from)
		b->wsp = (p[-1] == ' ' || p[-1] == '\t') &&
		    (p[0] == ' ' || p[0] == '\t');
	b->p = p;
	b->o = o;
}

/* ---------------------------------------------------------------- table */

/*
 * blk_tab16[m] - pshufb indices that pack the bytes set in the 16-bit
 * mask m, 0x80 after them: 1 MiB, built once per process by the first
 * am_canon_blk_pick() that returns a kernel using it.  One lookup and
 * one pshufb pack 16 bytes; with a table per 8 bytes it took two
 * lookups, an unpack and two stores (AVX2: 2 KB relaxed bodies, kernel
 * 340 -> 270 ns).  Mail text uses few masks (342 distinct ones in the
 * 2 MB of bench-dkim's text, 14 KB of cache lines), so the table costs
 * little cache.
 */

static unsigned char	 blk_tab16[65536][16] __attribute__((aligned(16)));
static pthread_once_t	 blk_tab16_once = PTHREAD_ONCE_INIT;

/* Row m is m's lowest bit, then the row of m without it. */

static void
blk_tab16_fill(void)
{
	unsigned	 m;

	memset(blk_tab16[0], 0x80, sizeof(blk_tab16[0]));
	for (m = 1; m < 65536; m++) {
		blk_tab16[m][0] = (unsigned char)__builtin_ctz(m);
		memcpy(&blk_tab16[m][1], blk_tab16[m & (m - 1)], 15);
	}
}

/* blk_tab16_ready - fn, once blk_tab16 is built */

static am_canon_blk_fn *
blk_tab16_ready(am_canon_blk_fn *fn)
{
	(void)pthread_once(&blk_tab16_once, blk_tab16_fill);
	return fn;
}

/* ---------------------------------------------------------------- SSSE3 */

__attribute__((target("ssse3,popcnt")))
static inline void
blk_mask16(const unsigned char *p, int i, struct blk_masks *m)
{
	__m128i	 b = _mm_loadu_si128((const __m128i *)(const void *)(p +
		    16 * i));
	__m128i	 w = _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('\t')),
		    _mm_cmpeq_epi8(b, _mm_set1_epi8(' ')));

	m->w |= (uint64_t)(uint16_t)_mm_movemask_epi8(w) << (16 * i);
	m->cr |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b,
	    _mm_set1_epi8('\r'))) << (16 * i);
	m->lf |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b,
	    _mm_set1_epi8('\n'))) << (16 * i);
}

__attribute__((target("ssse3,popcnt")))
static inline void
blk_masks_ssse3(const unsigned char *p, struct blk_masks *m,
    unsigned char next)
{
	m->w = m->cr = m->lf = 0;
	blk_mask16(p, 0, m);
	blk_mask16(p, 1, m);
	blk_mask16(p, 2, m);
	blk_mask16(p, 3, m);
	blk_le(m, next);
}

/*
 * blk_pack16 - store the bytes of p[16 * i ...] that bits 16 * i on of
 * keep select, HT as SP; returns the new end of the output
 */

__attribute__((target("ssse3,popcnt")))
static inline unsigned char *
blk_pack16(unsigned char *o, const unsigned char *p, int i, uint64_t keep)
{
	unsigned	 m = (keep >> (16 * i)) & 0xffff;
	__m128i		 v;

	v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
	v = _mm_xor_si128(v, _mm_and_si128(_mm_cmpeq_epi8(v,
	    _mm_set1_epi8('\t')), _mm_set1_epi8('\t' ^ ' ')));
	v = _mm_shuffle_epi8(v, _mm_load_si128((const __m128i *)(const void *)
	    blk_tab16[m]));
	_mm_storeu_si128((__m128i *)(void *)o, v);
	return o + __builtin_popcount(m);
}

__attribute__((target("ssse3,popcnt")))
static void
blk_ssse3(struct am_canon_blk *b)
{
	const unsigned char	*p = b->p, *end = b->end;
	unsigned char		*o = b->o, *olim = b->olim;
	struct blk_carry	 k = { 0, (uint64_t)!b->midline };
	struct blk_masks	 cur = { 0, 0, 0, 0 }, nxt = { 0, 0, 0, 0 };
	uint64_t		 keep;
	int			 stop = AM_CANON_BLK_SHORT;

	blk_prefetch(p, end, 1);
	if (end - p >= AM_CANON_BLK_MIN)
		blk_masks_ssse3(p, &cur, p[AM_CANON_BLK]);
	while (end - p >= AM_CANON_BLK_MIN) {
		if (o > olim) {
			stop = AM_CANON_BLK_FULL;
			break;
		}
		blk_prefetch(p, end, 0);
		if (end - p >= BLK_NEXT)
			blk_masks_ssse3(p + AM_CANON_BLK, &nxt,
			    p[2 * AM_CANON_BLK]);
		else
			blk_edge(p + AM_CANON_BLK, &nxt);
		if ((stop = blk_plan(&cur, &k, p, end)) != 0)
			break;
		keep = blk_keep(&cur, &nxt);
		o = blk_pack16(o, p, 0, keep);
		o = blk_pack16(o, p, 1, keep);
		o = blk_pack16(o, p, 2, keep);
		o = blk_pack16(o, p, 3, keep);
		blk_next(&cur, &k);
		p += AM_CANON_BLK;
		cur = nxt;
	}
	if (blk_part_ok(b, p, o, stop)) {
		const unsigned char	*q = end - AM_CANON_BLK;

		blk_masks_ssse3(q, &cur, 0);
		stop = blk_part(&cur, (unsigned)(p - q), &k, q, end, &keep);
		if (stop == 0) {
			o = blk_pack16(o, q, 0, keep);
			o = blk_pack16(o, q, 1, keep);
			o = blk_pack16(o, q, 2, keep);
			o = blk_pack16(o, q, 3, keep);
			p = end - 2;
		}
	}
	b->stop = (enum am_canon_blk_stop)stop;
	blk_settle(b, b->p, p, o, &k);
}

/* ---------------------------------------------------------------- AVX-512 */

#define BLK_AVX512	"avx512f,avx512bw,avx512vbmi2,popcnt"

__attribute__((target(BLK_AVX512)))
static inline __m512i
blk_load_avx512(const unsigned char *p, struct blk_masks *m,
    unsigned char next)
{
	__m512i		 b = _mm512_loadu_si512((const void *)p);
	__mmask64	 ht = _mm512_cmpeq_epi8_mask(b, _mm512_set1_epi8('\t'));

	m->w = ht | _mm512_cmpeq_epi8_mask(b, _mm512_set1_epi8(' '));
	m->cr = _mm512_cmpeq_epi8_mask(b, _mm512_set1_epi8('\r'));
	m->lf = _mm512_cmpeq_epi8_mask(b, _mm512_set1_epi8('\n'));
	blk_le(m, next);
	return _mm512_mask_blend_epi8(ht, b, _mm512_set1_epi8(' '));
}

__attribute__((target(BLK_AVX512)))
static void
blk_avx512(struct am_canon_blk *b)
{
	const unsigned char	*p = b->p, *end = b->end;
	unsigned char		*o = b->o, *olim = b->olim;
	struct blk_carry	 k = { 0, (uint64_t)!b->midline };
	struct blk_masks	 cur = { 0, 0, 0, 0 }, nxt = { 0, 0, 0, 0 };
	__m512i			 v = _mm512_setzero_si512();
	__m512i			 vn = _mm512_setzero_si512();
	uint64_t		 keep;
	int			 stop = AM_CANON_BLK_SHORT;

	blk_prefetch(p, end, 1);
	if (end - p >= AM_CANON_BLK_MIN)
		v = blk_load_avx512(p, &cur, p[AM_CANON_BLK]);
	while (end - p >= AM_CANON_BLK_MIN) {
		if (o > olim) {
			stop = AM_CANON_BLK_FULL;
			break;
		}
		blk_prefetch(p, end, 0);
		if (end - p >= BLK_NEXT)
			vn = blk_load_avx512(p + AM_CANON_BLK, &nxt,
			    p[2 * AM_CANON_BLK]);
		else
			blk_edge(p + AM_CANON_BLK, &nxt);
		if ((stop = blk_plan(&cur, &k, p, end)) != 0)
			break;
		keep = blk_keep(&cur, &nxt);
		_mm512_storeu_si512((void *)o, _mm512_maskz_compress_epi8(keep,
		    v));
		o += _mm_popcnt_u64(keep);
		blk_next(&cur, &k);
		p += AM_CANON_BLK;
		cur = nxt;
		v = vn;
	}
	if (blk_part_ok(b, p, o, stop)) {
		const unsigned char	*q = end - AM_CANON_BLK;

		v = blk_load_avx512(q, &cur, 0);
		stop = blk_part(&cur, (unsigned)(p - q), &k, q, end, &keep);
		if (stop == 0) {
			_mm512_storeu_si512((void *)o,
			    _mm512_maskz_compress_epi8(keep, v));
			o += _mm_popcnt_u64(keep);
			p = end - 2;
		}
	}
	b->stop = (enum am_canon_blk_stop)stop;
	blk_settle(b, b->p, p, o, &k);
}

/* ---------------------------------------------------------------- AVX2 */

/*
 * The kernel for AVX2 CPUs without AVX-512 VBMI2 (Intel Haswell to
 * Comet Lake, AMD Zen 1 to Zen 3).  It classifies a block with two
 * 32-byte compares and packs it with pshufb and blk_tab16, one 16-byte
 * lane per lookup.  "avx2-bmi2" names it too: it was a second kernel,
 * finding trailing WSP with pext/pdep, until blk_keep made that a
 * shift.
 *
 * Packing 8 bytes at a time with pext, under a byte mask built in a
 * vector, was tried and measured slower than a table (0.24 against
 * 0.19 ns a byte on the bench text), so it is not here.
 */

#define BLK_AVX2	"avx2,popcnt"

/* blk_load_avx2 - the masks of the block at p, and its bytes, HT as SP */

__attribute__((target(BLK_AVX2)))
static inline void
blk_load_avx2(const unsigned char *p, struct blk_masks *m, __m256i *v,
    unsigned char next)
{
	__m256i		 a = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i		 b = _mm256_loadu_si256((const __m256i *)(const void *)
			    (p + 32));
	__m256i		 sp = _mm256_set1_epi8(' ');
	__m256i		 hta = _mm256_cmpeq_epi8(a, _mm256_set1_epi8('\t'));
	__m256i		 htb = _mm256_cmpeq_epi8(b, _mm256_set1_epi8('\t'));

	/* HT becomes SP; then WSP is one compare. */
	a = _mm256_blendv_epi8(a, sp, hta);
	b = _mm256_blendv_epi8(b, sp, htb);
	m->w = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, sp)) |
	    (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b,
	    sp)) << 32;
	m->cr = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a,
	    _mm256_set1_epi8('\r'))) |
	    (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b,
	    _mm256_set1_epi8('\r'))) << 32;
	m->lf = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a,
	    _mm256_set1_epi8('\n'))) |
	    (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b,
	    _mm256_set1_epi8('\n'))) << 32;
	blk_le(m, next);
	v[0] = a;
	v[1] = b;
}

/*
 * blk_pack32_avx2 - store the bytes of v that the 32 bits of keep
 * select: one blk_tab16 lookup per 16-byte lane, one pshufb, each lane
 * stored whole at its packed offset.  Writes up to 32 bytes past the
 * packed end.
 */

__attribute__((target(BLK_AVX2)))
static inline unsigned char *
blk_pack32_avx2(unsigned char *o, __m256i v, uint32_t keep)
{
	__m256i		 s;

	s = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_load_si128(
	    (const __m128i *)(const void *)blk_tab16[keep & 0xffff])),
	    _mm_load_si128((const __m128i *)(const void *)
	    blk_tab16[keep >> 16]), 1);
	v = _mm256_shuffle_epi8(v, s);
	_mm_storeu_si128((__m128i *)(void *)o, _mm256_castsi256_si128(v));
	_mm_storeu_si128((__m128i *)(void *)(o +
	    __builtin_popcount(keep & 0xffff)), _mm256_extracti128_si256(v, 1));
	return o + __builtin_popcount(keep);
}

/*
 * blk_step_avx2 - do block m (bytes v) at *pp, loading the next one into
 * nx, nv (or, near the chunk end, its edge); 0, or why it cannot
 */

__attribute__((target(BLK_AVX2), always_inline))
static inline int
blk_step_avx2(const unsigned char **pp, const unsigned char *end,
    unsigned char **op, struct blk_carry *k, const struct blk_masks *m,
    const __m256i *v, struct blk_masks *nx, __m256i *nv)
{
	const unsigned char	*p = *pp;
	uint64_t		 keep;
	int			 stop;

	blk_prefetch(p, end, 0);
	if (end - p >= BLK_NEXT)
		blk_load_avx2(p + AM_CANON_BLK, nx, nv, p[2 * AM_CANON_BLK]);
	else
		blk_edge(p + AM_CANON_BLK, nx);
	if ((stop = blk_plan(m, k, p, end)) != 0)
		return stop;
	keep = blk_keep(m, nx);
	*op = blk_pack32_avx2(*op, v[0], (uint32_t)keep);
	*op = blk_pack32_avx2(*op, v[1], (uint32_t)(keep >> 32));
	blk_next(m, k);
	*pp = p + AM_CANON_BLK;
	return 0;
}

/* Two blocks a turn, the masks and bytes of each in turn in a and b. */

__attribute__((target(BLK_AVX2)))
static void
blk_avx2(struct am_canon_blk *b)
{
	const unsigned char	*p = b->p, *end = b->end;
	unsigned char		*o = b->o, *olim = b->olim;
	struct blk_carry	 k = { 0, (uint64_t)!b->midline };
	struct blk_masks	 ma = { 0, 0, 0, 0 }, mb = { 0, 0, 0, 0 };
	__m256i			 va[2], vb[2];
	int			 stop = 0;

	va[0] = va[1] = vb[0] = vb[1] = _mm256_setzero_si256();
	blk_prefetch(p, end, 1);
	if (end - p >= AM_CANON_BLK_MIN)
		blk_load_avx2(p, &ma, va, p[AM_CANON_BLK]);
	while (end - p >= AM_CANON_BLK_MIN && o <= olim) {
		if ((stop = blk_step_avx2(&p, end, &o, &k, &ma, va, &mb,
		    vb)) != 0)
			break;
		if (end - p < AM_CANON_BLK_MIN || o > olim)
			break;
		if ((stop = blk_step_avx2(&p, end, &o, &k, &mb, vb, &ma,
		    va)) != 0)
			break;
	}
	if (stop == 0)
		stop = o > olim ? AM_CANON_BLK_FULL : AM_CANON_BLK_SHORT;
	if (blk_part_ok(b, p, o, stop)) {
		const unsigned char	*q = end - AM_CANON_BLK;
		uint64_t		 keep;

		blk_load_avx2(q, &ma, va, 0);
		stop = blk_part(&ma, (unsigned)(p - q), &k, q, end, &keep);
		if (stop == 0) {
			o = blk_pack32_avx2(o, va[0], (uint32_t)keep);
			o = blk_pack32_avx2(o, va[1], (uint32_t)(keep >> 32));
			p = end - 2;
		}
	}
	b->stop = (enum am_canon_blk_stop)stop;
	blk_settle(b, b->p, p, o, &k);
}

/* ---------------------------------------------------------------- scan */

/*
 * The fast path's anomaly scan (canon.c, canon_scan) 64 bytes a step
 * with AVX2, for simple mode above all, where it is all the work there
 * is.  The same test as canon_vec_mask(), on 32 bytes and the 32 after
 * each by one.
 */

__attribute__((target("avx2,bmi")))
static inline uint32_t
scan_mask32(int relaxed, const unsigned char *q)
{
	__m256i	 b = _mm256_loadu_si256((const __m256i *)(const void *)q);
	__m256i	 nx = _mm256_loadu_si256((const __m256i *)(const void *)
		    (q + 1));
	__m256i	 cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');
	__m256i	 sp = _mm256_set1_epi8(' '), m;

	m = _mm256_xor_si256(_mm256_cmpeq_epi8(b, cr),
	    _mm256_cmpeq_epi8(nx, lf));
	m = _mm256_or_si256(m, _mm256_and_si256(_mm256_cmpeq_epi8(b, lf),
	    _mm256_cmpeq_epi8(nx, cr)));
	if (relaxed) {
		m = _mm256_or_si256(m, _mm256_cmpeq_epi8(b,
		    _mm256_set1_epi8('\t')));
		m = _mm256_or_si256(m, _mm256_and_si256(_mm256_cmpeq_epi8(b,
		    sp), _mm256_cmpeq_epi8(_mm256_min_epu8(nx, sp), nx)));
	}
	return (uint32_t)_mm256_movemask_epi8(m);
}

__attribute__((target("avx2,bmi")))
static size_t
scan_avx2(int relaxed, const unsigned char *p, size_t n, int *found)
{
	uint64_t	 m;
	size_t		 i;

	for (i = 0; n - i > 64; i += 64) {	/* bytes i..i+63, peek i+64 */
		m = scan_mask32(relaxed, p + i) |
		    (uint64_t)scan_mask32(relaxed, p + i + 32) << 32;
		if (m != 0) {
			*found = 1;
			return i + _tzcnt_u64(m);
		}
	}
	*found = 0;
	return i;
}

am_canon_scan_fn *
am_canon_scan_pick(enum am_canon_kernel k)
{
	__builtin_cpu_init();
	if (k == AM_CANON_KERNEL_NONE || k == AM_CANON_KERNEL_SSSE3 ||
	    !__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("bmi"))
		return NULL;
	return scan_avx2;
}

/* ---------------------------------------------------------------- choice */

am_canon_blk_fn *
am_canon_blk_pick(enum am_canon_kernel k)
{
	int	 avx512, avx2, bmi2, ssse3;

	__builtin_cpu_init();
	ssse3 = __builtin_cpu_supports("ssse3") &&
	    __builtin_cpu_supports("popcnt");
	bmi2 = __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
	avx2 = ssse3 && __builtin_cpu_supports("avx2");
	avx512 = ssse3 && bmi2 && __builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vbmi2");
	switch (k) {
	case AM_CANON_KERNEL_AUTO:
		if (avx512)
			return blk_avx512;
		if (avx2)
			return blk_tab16_ready(blk_avx2);
		return ssse3 ? blk_tab16_ready(blk_ssse3) : NULL;
	case AM_CANON_KERNEL_AVX512:
		return avx512 ? blk_avx512 : NULL;
	case AM_CANON_KERNEL_AVX2_BMI2:		/* the same as avx2 now */
		return avx2 && bmi2 ? blk_tab16_ready(blk_avx2) : NULL;
	case AM_CANON_KERNEL_AVX2:
		return avx2 ? blk_tab16_ready(blk_avx2) : NULL;
	case AM_CANON_KERNEL_SSSE3:
		return ssse3 ? blk_tab16_ready(blk_ssse3) : NULL;
	case AM_CANON_KERNEL_NONE:
		break;
	}
	return NULL;
}

#else /* not x86-64: no kernels, canon.c runs its portable paths */

am_canon_scan_fn *
am_canon_scan_pick(enum am_canon_kernel k)
{
	(void)k;
	return NULL;
}

am_canon_blk_fn *
am_canon_blk_pick(enum am_canon_kernel k)
{
	(void)k;
	return NULL;
}

#endif
