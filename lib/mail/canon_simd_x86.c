/*
 * canon_simd_x86 - x86-64 block kernels for relaxed body
 * canonicalization (see canon_simd.h for the contract)
 *
 * Each 64-byte block becomes four bit masks, bit i for byte i: WSP
 * (SP, HT), CR, LF and LE, where a line end starts (a CR before an
 * LF, or an LF).  A few carries link a block to the one before it,
 * and the masks of the block after it are known before it is done:
 *
 *	drop = W & (next W | next LE)
 *
 * drops every WSP byte that another WSP byte or a line end follows:
 * of a run, only its last byte is kept, and only if line content
 * follows it; HT or SP, it goes out as SP.  (Keeping the last byte,
 * not the first, needs no flow backwards from a line end to the run
 * before it: one shift of each mask does, however long the run.)  A
 * run that goes on where the kernel stops has had nothing out and is
 * left pending for the byte-level paths.  The kept bytes are packed
 * into the output: vpcompressb with AVX-512 VBMI2, pshufb with a
 * 256-entry table per 8 bytes with AVX2 (two 16-byte lanes per
 * pshufb) and SSSE3.
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
#include <stdint.h>

/* Masks of one block; bit i is byte i. */
struct blk_masks {
	uint64_t	 w;		/* SP or HT */
	uint64_t	 cr;		/* CR */
	uint64_t	 lf;		/* LF */
	uint64_t	 le;		/* line end starts: CR before LF, LF */
};

/* What a block hands the next: 0 or 1 each. */
struct blk_carry {
	uint64_t	 w;		/* last byte was WSP */
	uint64_t	 cr;		/* last byte was CR */
	uint64_t	 crlf;		/* ... the CR of a CR LF */
	uint64_t	 ls;		/* the line so far is WSP or nothing */
};

#define BLK_SCAN	256	/* how far to look for content after an
				 * empty line before giving up */
#define BLK_AHEAD	512	/* how far ahead the kernels prefetch */

/*
 * blk_prefetch - ask for the input BLK_AHEAD bytes ahead, never past
 * the chunk; at the kernel's start (from set), for every line up to
 * there.  A body chunk that is not in the cache (a large one, or one
 * the sender's read left behind) otherwise stalls the kernel on every
 * new line: SHA-256, much slower, hides that latency, the kernel does
 * not.  Measured: 2 KB bodies, AVX2, about 8% less time per message.
 */

static inline void
blk_prefetch(const unsigned char *p, const unsigned char *end, int start)
{
	const unsigned char	*q;

	if (start)
		for (q = p + 2 * AM_CANON_BLK; q < p + BLK_AHEAD && q < end;
		    q += AM_CANON_BLK)
			__builtin_prefetch(q);
	if (end - p > BLK_AHEAD)
		__builtin_prefetch(p + BLK_AHEAD);
}

/* blk_le - fill in m->le, given the byte after the block */

static inline void
blk_le(struct blk_masks *m, unsigned char next)
{
	uint64_t	 nlf = (m->lf >> 1) | ((uint64_t)(next == '\n') << 63);

	m->le = m->lf | (m->cr & nlf);
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
 * blk_plan - can block m (at p) be done here?  Returns 0, or why not.
 */

static inline int
blk_plan(const struct blk_masks *m, const struct blk_carry *k,
    const unsigned char *p, const unsigned char *end)
{
	uint64_t	 n, e;

	if (m->lf & ~((m->cr << 1) | k->cr))
		return AM_CANON_BLK_BARE_LF;
	/* First non-WSP byte of each line; empty if it ends the line. */
	n = (m->w + ((m->lf << 1) | k->ls)) & ~m->w;
	e = n & m->le;
	if (e != 0 && !blk_content_follows(p + 63 - __builtin_clzll(e), end))
		return AM_CANON_BLK_ODD;
	return 0;
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
	uint64_t	 nw = (m->w >> 1) | (nx->w << 63);
	uint64_t	 nle = (m->le >> 1) | (nx->le << 63);

	return ~(m->w & (nw | nle));
}

/* blk_next - the carries from block m */

static inline void
blk_next(const struct blk_masks *m, struct blk_carry *k)
{
	uint64_t	 sum, t = (m->lf << 1) | k->ls;
	int		 out;

	out = __builtin_add_overflow(m->w, t, &sum);
	k->ls = (uint64_t)out | (m->lf >> 63);
	k->w = m->w >> 63;
	k->cr = m->cr >> 63;
	k->crlf = (m->cr & m->le) >> 63;
}

/*
 * blk_settle - the kernel stops at p: the CR of a CR LF is out, so the
 * LF goes too.  A WSP run that goes on at p has had nothing out yet
 * (blk_keep keeps a run's last byte): it is left pending.
 */

static inline void
blk_settle(struct am_canon_blk *b, const unsigned char *p, unsigned char *o,
    const struct blk_carry *k)
{
	b->wsp = 0;
	if (k->crlf) {
		*o++ = '\n';
		p++;
		b->midline = 0;
	} else {
		b->wsp = k->w && (*p == ' ' || *p == '\t');
		b->midline = !k->ls;
	}
	b->p = p;
	b->o = o;
}

/* ---------------------------------------------------------------- SSSE3 */

/* blk_tab[m] - pshufb indices that pack the bytes set in m, 0x80 after */

static const uint64_t blk_tab[256] = {
	0x8080808080808080ULL, 0x8080808080808000ULL, 0x8080808080808001ULL,
	0x8080808080800100ULL, 0x8080808080808002ULL, 0x8080808080800200ULL,
	0x8080808080800201ULL, 0x8080808080020100ULL, 0x8080808080808003ULL,
	0x8080808080800300ULL, 0x8080808080800301ULL, 0x8080808080030100ULL,
	0x8080808080800302ULL, 0x8080808080030200ULL, 0x8080808080030201ULL,
	0x8080808003020100ULL, 0x8080808080808004ULL, 0x8080808080800400ULL,
	0x8080808080800401ULL, 0x8080808080040100ULL, 0x8080808080800402ULL,
	0x8080808080040200ULL, 0x8080808080040201ULL, 0x8080808004020100ULL,
	0x8080808080800403ULL, 0x8080808080040300ULL, 0x8080808080040301ULL,
	0x8080808004030100ULL, 0x8080808080040302ULL, 0x8080808004030200ULL,
	0x8080808004030201ULL, 0x8080800403020100ULL, 0x8080808080808005ULL,
	0x8080808080800500ULL, 0x8080808080800501ULL, 0x8080808080050100ULL,
	0x8080808080800502ULL, 0x8080808080050200ULL, 0x8080808080050201ULL,
	0x8080808005020100ULL, 0x8080808080800503ULL, 0x8080808080050300ULL,
	0x8080808080050301ULL, 0x8080808005030100ULL, 0x8080808080050302ULL,
	0x8080808005030200ULL, 0x8080808005030201ULL, 0x8080800503020100ULL,
	0x8080808080800504ULL, 0x8080808080050400ULL, 0x8080808080050401ULL,
	0x8080808005040100ULL, 0x8080808080050402ULL, 0x8080808005040200ULL,
	0x8080808005040201ULL, 0x8080800504020100ULL, 0x8080808080050403ULL,
	0x8080808005040300ULL, 0x8080808005040301ULL, 0x8080800504030100ULL,
	0x8080808005040302ULL, 0x8080800504030200ULL, 0x8080800504030201ULL,
	0x8080050403020100ULL, 0x8080808080808006ULL, 0x8080808080800600ULL,
	0x8080808080800601ULL, 0x8080808080060100ULL, 0x8080808080800602ULL,
	0x8080808080060200ULL, 0x8080808080060201ULL, 0x8080808006020100ULL,
	0x8080808080800603ULL, 0x8080808080060300ULL, 0x8080808080060301ULL,
	0x8080808006030100ULL, 0x8080808080060302ULL, 0x8080808006030200ULL,
	0x8080808006030201ULL, 0x8080800603020100ULL, 0x8080808080800604ULL,
	0x8080808080060400ULL, 0x8080808080060401ULL, 0x8080808006040100ULL,
	0x8080808080060402ULL, 0x8080808006040200ULL, 0x8080808006040201ULL,
	0x8080800604020100ULL, 0x8080808080060403ULL, 0x8080808006040300ULL,
	0x8080808006040301ULL, 0x8080800604030100ULL, 0x8080808006040302ULL,
	0x8080800604030200ULL, 0x8080800604030201ULL, 0x8080060403020100ULL,
	0x8080808080800605ULL, 0x8080808080060500ULL, 0x8080808080060501ULL,
	0x8080808006050100ULL, 0x8080808080060502ULL, 0x8080808006050200ULL,
	0x8080808006050201ULL, 0x8080800605020100ULL, 0x8080808080060503ULL,
	0x8080808006050300ULL, 0x8080808006050301ULL, 0x8080800605030100ULL,
	0x8080808006050302ULL, 0x8080800605030200ULL, 0x8080800605030201ULL,
	0x8080060503020100ULL, 0x8080808080060504ULL, 0x8080808006050400ULL,
	0x8080808006050401ULL, 0x8080800605040100ULL, 0x8080808006050402ULL,
	0x8080800605040200ULL, 0x8080800605040201ULL, 0x8080060504020100ULL,
	0x8080808006050403ULL, 0x8080800605040300ULL, 0x8080800605040301ULL,
	0x8080060504030100ULL, 0x8080800605040302ULL, 0x8080060504030200ULL,
	0x8080060504030201ULL, 0x8006050403020100ULL, 0x8080808080808007ULL,
	0x8080808080800700ULL, 0x8080808080800701ULL, 0x8080808080070100ULL,
	0x8080808080800702ULL, 0x8080808080070200ULL, 0x8080808080070201ULL,
	0x8080808007020100ULL, 0x8080808080800703ULL, 0x8080808080070300ULL,
	0x8080808080070301ULL, 0x8080808007030100ULL, 0x8080808080070302ULL,
	0x8080808007030200ULL, 0x8080808007030201ULL, 0x8080800703020100ULL,
	0x8080808080800704ULL, 0x8080808080070400ULL, 0x8080808080070401ULL,
	0x8080808007040100ULL, 0x8080808080070402ULL, 0x8080808007040200ULL,
	0x8080808007040201ULL, 0x8080800704020100ULL, 0x8080808080070403ULL,
	0x8080808007040300ULL, 0x8080808007040301ULL, 0x8080800704030100ULL,
	0x8080808007040302ULL, 0x8080800704030200ULL, 0x8080800704030201ULL,
	0x8080070403020100ULL, 0x8080808080800705ULL, 0x8080808080070500ULL,
	0x8080808080070501ULL, 0x8080808007050100ULL, 0x8080808080070502ULL,
	0x8080808007050200ULL, 0x8080808007050201ULL, 0x8080800705020100ULL,
	0x8080808080070503ULL, 0x8080808007050300ULL, 0x8080808007050301ULL,
	0x8080800705030100ULL, 0x8080808007050302ULL, 0x8080800705030200ULL,
	0x8080800705030201ULL, 0x8080070503020100ULL, 0x8080808080070504ULL,
	0x8080808007050400ULL, 0x8080808007050401ULL, 0x8080800705040100ULL,
	0x8080808007050402ULL, 0x8080800705040200ULL, 0x8080800705040201ULL,
	0x8080070504020100ULL, 0x8080808007050403ULL, 0x8080800705040300ULL,
	0x8080800705040301ULL, 0x8080070504030100ULL, 0x8080800705040302ULL,
	0x8080070504030200ULL, 0x8080070504030201ULL, 0x8007050403020100ULL,
	0x8080808080800706ULL, 0x8080808080070600ULL, 0x8080808080070601ULL,
	0x8080808007060100ULL, 0x8080808080070602ULL, 0x8080808007060200ULL,
	0x8080808007060201ULL, 0x8080800706020100ULL, 0x8080808080070603ULL,
	0x8080808007060300ULL, 0x8080808007060301ULL, 0x8080800706030100ULL,
	0x8080808007060302ULL, 0x8080800706030200ULL, 0x8080800706030201ULL,
	0x8080070603020100ULL, 0x8080808080070604ULL, 0x8080808007060400ULL,
	0x8080808007060401ULL, 0x8080800706040100ULL, 0x8080808007060402ULL,
	0x8080800706040200ULL, 0x8080800706040201ULL, 0x8080070604020100ULL,
	0x8080808007060403ULL, 0x8080800706040300ULL, 0x8080800706040301ULL,
	0x8080070604030100ULL, 0x8080800706040302ULL, 0x8080070604030200ULL,
	0x8080070604030201ULL, 0x8007060403020100ULL, 0x8080808080070605ULL,
	0x8080808007060500ULL, 0x8080808007060501ULL, 0x8080800706050100ULL,
	0x8080808007060502ULL, 0x8080800706050200ULL, 0x8080800706050201ULL,
	0x8080070605020100ULL, 0x8080808007060503ULL, 0x8080800706050300ULL,
	0x8080800706050301ULL, 0x8080070605030100ULL, 0x8080800706050302ULL,
	0x8080070605030200ULL, 0x8080070605030201ULL, 0x8007060503020100ULL,
	0x8080808007060504ULL, 0x8080800706050400ULL, 0x8080800706050401ULL,
	0x8080070605040100ULL, 0x8080800706050402ULL, 0x8080070605040200ULL,
	0x8080070605040201ULL, 0x8007060504020100ULL, 0x8080800706050403ULL,
	0x8080070605040300ULL, 0x8080070605040301ULL, 0x8007060504030100ULL,
	0x8080070605040302ULL, 0x8007060504030200ULL, 0x8007060504030201ULL,
	0x0706050403020100ULL,
};

/* blk_mask16 - 16 bytes of each class, as bits 16 * i to 16 * i + 15 */

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
blk_masks_ssse3(const unsigned char *p, struct blk_masks *m)
{
	m->w = m->cr = m->lf = 0;
	blk_mask16(p, 0, m);
	blk_mask16(p, 1, m);
	blk_mask16(p, 2, m);
	blk_mask16(p, 3, m);
	blk_le(m, p[AM_CANON_BLK]);
}

/*
 * blk_pack16 - store the bytes of p[16 * i ...] that bits 16 * i on of
 * keep select, HT as SP; returns the new end of the output
 */

__attribute__((target("ssse3,popcnt")))
static inline unsigned char *
blk_pack16(unsigned char *o, const unsigned char *p, int i, uint64_t keep)
{
	unsigned	 lo = (keep >> (16 * i)) & 0xff;
	unsigned	 hi = (keep >> (16 * i + 8)) & 0xff;
	__m128i		 v, s;

	v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
	v = _mm_xor_si128(v, _mm_and_si128(_mm_cmpeq_epi8(v,
	    _mm_set1_epi8('\t')), _mm_set1_epi8('\t' ^ ' ')));
	s = _mm_unpacklo_epi64(
	    _mm_loadl_epi64((const __m128i *)(const void *)&blk_tab[lo]),
	    _mm_loadl_epi64((const __m128i *)(const void *)&blk_tab[hi]));
	s = _mm_add_epi8(s, _mm_set_epi64x(0x0808080808080808LL, 0));
	v = _mm_shuffle_epi8(v, s);
	_mm_storeu_si128((__m128i *)(void *)o, v);
	o += __builtin_popcount(lo);
	_mm_storeh_pi((__m64 *)(void *)o, _mm_castsi128_ps(v));	/* movhps */
	return o + __builtin_popcount(hi);
}

__attribute__((target("ssse3,popcnt")))
static void
blk_ssse3(struct am_canon_blk *b)
{
	const unsigned char	*p = b->p, *end = b->end;
	unsigned char		*o = b->o;
	struct blk_carry	 k = { 0, 0, 0, (uint64_t)!b->midline };
	struct blk_masks	 cur = { 0, 0, 0, 0 }, nxt;
	uint64_t		 keep;
	int			 stop = AM_CANON_BLK_SHORT;

	blk_prefetch(p, end, 1);
	if (end - p >= AM_CANON_BLK_MIN)
		blk_masks_ssse3(p, &cur);
	while (end - p >= AM_CANON_BLK_MIN) {
		if (o > b->olim) {
			stop = AM_CANON_BLK_FULL;
			break;
		}
		blk_prefetch(p, end, 0);
		blk_masks_ssse3(p + AM_CANON_BLK, &nxt);
		if ((stop = blk_plan(&cur, &k, p, end)) != 0)
			break;
		stop = AM_CANON_BLK_SHORT;
		keep = blk_keep(&cur, &nxt);
		o = blk_pack16(o, p, 0, keep);
		o = blk_pack16(o, p, 1, keep);
		o = blk_pack16(o, p, 2, keep);
		o = blk_pack16(o, p, 3, keep);
		blk_next(&cur, &k);
		p += AM_CANON_BLK;
		cur = nxt;
	}
	b->stop = (enum am_canon_blk_stop)stop;
	blk_settle(b, p, o, &k);
}

/* ---------------------------------------------------------------- AVX-512 */

#define BLK_AVX512	"avx512f,avx512bw,avx512vbmi2,popcnt"

__attribute__((target(BLK_AVX512)))
static inline __m512i
blk_load_avx512(const unsigned char *p, struct blk_masks *m)
{
	__m512i		 b = _mm512_loadu_si512((const void *)p);
	__mmask64	 ht = _mm512_cmpeq_epi8_mask(b, _mm512_set1_epi8('\t'));

	m->w = ht | _mm512_cmpeq_epi8_mask(b, _mm512_set1_epi8(' '));
	m->cr = _mm512_cmpeq_epi8_mask(b, _mm512_set1_epi8('\r'));
	m->lf = _mm512_cmpeq_epi8_mask(b, _mm512_set1_epi8('\n'));
	blk_le(m, p[AM_CANON_BLK]);
	return _mm512_mask_blend_epi8(ht, b, _mm512_set1_epi8(' '));
}

__attribute__((target(BLK_AVX512)))
static void
blk_avx512(struct am_canon_blk *b)
{
	const unsigned char	*p = b->p, *end = b->end;
	unsigned char		*o = b->o;
	struct blk_carry	 k = { 0, 0, 0, (uint64_t)!b->midline };
	struct blk_masks	 cur, nxt;
	__m512i			 v = _mm512_setzero_si512(), vn;
	uint64_t		 keep;
	int			 stop = AM_CANON_BLK_SHORT;

	blk_prefetch(p, end, 1);
	if (end - p >= AM_CANON_BLK_MIN)
		v = blk_load_avx512(p, &cur);
	while (end - p >= AM_CANON_BLK_MIN) {
		if (o > b->olim) {
			stop = AM_CANON_BLK_FULL;
			break;
		}
		blk_prefetch(p, end, 0);
		vn = blk_load_avx512(p + AM_CANON_BLK, &nxt);
		if ((stop = blk_plan(&cur, &k, p, end)) != 0)
			break;
		stop = AM_CANON_BLK_SHORT;
		keep = blk_keep(&cur, &nxt);
		_mm512_storeu_si512((void *)o, _mm512_maskz_compress_epi8(keep,
		    v));
		o += _mm_popcnt_u64(keep);
		blk_next(&cur, &k);
		p += AM_CANON_BLK;
		cur = nxt;
		v = vn;
	}
	b->stop = (enum am_canon_blk_stop)stop;
	blk_settle(b, p, o, &k);
}

/* ---------------------------------------------------------------- AVX2 */

/*
 * The kernel for AVX2 CPUs without AVX-512 VBMI2 (Intel Haswell to
 * Comet Lake, AMD Zen 1 to Zen 3).  It classifies a block with two
 * 32-byte compares and packs it with pshufb and the 256-entry table,
 * two 16-byte lanes per instruction.  "avx2-bmi2" names it too: it
 * was a second kernel, finding trailing WSP with pext/pdep, until
 * blk_keep made that a shift.
 *
 * Packing 8 bytes at a time with pext, under a byte mask built in a
 * vector, was tried and measured slower than the table (0.24 against
 * 0.19 ns a byte on the bench text), so it is not here.
 */

#define BLK_AVX2	"avx2,popcnt"

/* blk_load_avx2 - the masks of the block at p, and its bytes, HT as SP */

__attribute__((target(BLK_AVX2)))
static inline void
blk_load_avx2(const unsigned char *p, struct blk_masks *m, __m256i *v)
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
	blk_le(m, p[AM_CANON_BLK]);
	v[0] = a;
	v[1] = b;
}

/*
 * blk_pack32_avx2 - store the bytes of v that the 32 bits of keep
 * select; the table gives each 8-byte group its pshufb indices, and
 * each 16-byte lane goes out in two stores (16 bytes, then the upper
 * 8 at the packed length of the lower 8).  Writes up to 32 bytes past
 * the packed end.
 */

__attribute__((target(BLK_AVX2)))
static inline unsigned char *
blk_pack32_avx2(unsigned char *o, __m256i v, uint32_t keep)
{
	__m256i		 s;
	__m128i		 lo, hi;

	s = _mm256_set_epi64x((long long)blk_tab[keep >> 24],
	    (long long)blk_tab[(keep >> 16) & 0xff],
	    (long long)blk_tab[(keep >> 8) & 0xff],
	    (long long)blk_tab[keep & 0xff]);
	s = _mm256_add_epi8(s, _mm256_set_epi64x(0x0808080808080808LL, 0,
	    0x0808080808080808LL, 0));
	v = _mm256_shuffle_epi8(v, s);
	lo = _mm256_castsi256_si128(v);
	hi = _mm256_extracti128_si256(v, 1);
	/* Offsets from prefixes of keep: no chain of adds through o. */
	_mm_storeu_si128((__m128i *)(void *)o, lo);
	_mm_storeh_pi((__m64 *)(void *)(o + __builtin_popcount(keep & 0xff)),
	    _mm_castsi128_ps(lo));
	_mm_storeu_si128((__m128i *)(void *)(o +
	    __builtin_popcount(keep & 0xffff)), hi);
	_mm_storeh_pi((__m64 *)(void *)(o +
	    __builtin_popcount(keep & 0xffffff)), _mm_castsi128_ps(hi));
	return o + __builtin_popcount(keep);
}

__attribute__((target(BLK_AVX2)))
static void
blk_avx2(struct am_canon_blk *b)
{
	const unsigned char	*p = b->p, *end = b->end;
	unsigned char		*o = b->o;
	struct blk_carry	 k = { 0, 0, 0, (uint64_t)!b->midline };
	struct blk_masks	 cur = { 0, 0, 0, 0 }, nxt;
	__m256i			 v[2], vn[2];
	uint64_t		 keep;
	int			 stop = AM_CANON_BLK_SHORT;

	v[0] = v[1] = _mm256_setzero_si256();
	blk_prefetch(p, end, 1);
	if (end - p >= AM_CANON_BLK_MIN)
		blk_load_avx2(p, &cur, v);
	while (end - p >= AM_CANON_BLK_MIN) {
		if (o > b->olim) {
			stop = AM_CANON_BLK_FULL;
			break;
		}
		blk_prefetch(p, end, 0);
		blk_load_avx2(p + AM_CANON_BLK, &nxt, vn);
		if ((stop = blk_plan(&cur, &k, p, end)) != 0)
			break;
		stop = AM_CANON_BLK_SHORT;
		keep = blk_keep(&cur, &nxt);
		o = blk_pack32_avx2(o, v[0], (uint32_t)keep);
		o = blk_pack32_avx2(o, v[1], (uint32_t)(keep >> 32));
		blk_next(&cur, &k);
		p += AM_CANON_BLK;
		cur = nxt;
		v[0] = vn[0];
		v[1] = vn[1];
	}
	b->stop = (enum am_canon_blk_stop)stop;
	blk_settle(b, p, o, &k);
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
		return avx2 ? blk_avx2 : ssse3 ? blk_ssse3 : NULL;
	case AM_CANON_KERNEL_AVX512:
		return avx512 ? blk_avx512 : NULL;
	case AM_CANON_KERNEL_AVX2_BMI2:
		return avx2 && bmi2 ? blk_avx2 : NULL;	/* the same now */
	case AM_CANON_KERNEL_AVX2:
		return avx2 ? blk_avx2 : NULL;
	case AM_CANON_KERNEL_SSSE3:
		return ssse3 ? blk_ssse3 : NULL;
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
