#ifndef AM_CANON_SIMD_H
#define AM_CANON_SIMD_H

/*
 * canon_simd - block kernels for relaxed body canonicalization
 *
 * Private to canon.c; t-canon and fuzz-canon force each kernel in turn
 * (am_canon_set_kernel), bench-dkim prints which one ran.
 * A kernel takes 64 input bytes at a time and, without a branch per
 * byte, works out which bytes relaxed canonicalization keeps (a WSP
 * byte goes if the byte after it is WSP or starts a line end, so a run
 * keeps its last byte, and only before line content), turns the kept
 * HT into SP and packs the kept bytes into the output.  Whatever it
 * cannot do branch-free it leaves to canon.c's byte-level paths by
 * stopping before the block that holds it:
 *  - a bare LF (its canonical form is longer: CR LF);
 *  - an empty line that no line content is known to follow (relaxed
 *    holds such lines back; they vanish at the end of the body);
 *  - the chunk's last two bytes, whose meaning (a CR, a WSP run)
 *    depends on the next chunk.
 * It also stops, at a block boundary, when the output reaches olim.
 * canon.c calls it only with AM_CANON_BLK_MIN bytes or more left.
 *
 * On entry nothing may be pending in the canonicalizer (no CR, no WSP
 * run, no held-back empty lines); midline says whether the current
 * line has content.  On return the same holds at blk->p, except that
 * a WSP run may go on there, with none of it out yet (wsp set): the
 * kernel settles a CR LF pair that straddles where it stopped, and
 * leaves such a run pending.
 * Neither the input nor the output is read or written outside
 * [p, end) and [o, olim + AM_CANON_BLK_SLACK).
 */

#include <stddef.h>

#define AM_CANON_BLK		64	/* bytes per block */
#define AM_CANON_BLK_MIN	(AM_CANON_BLK + 2)	/* a block and the two
						 * bytes after it */
#define AM_CANON_BLK_SLACK	(AM_CANON_BLK + 1)	/* writes past olim */

enum am_canon_blk_stop {
	AM_CANON_BLK_SHORT,		/* chunk end is near */
	AM_CANON_BLK_FULL,		/* output reached olim */
	AM_CANON_BLK_BARE_LF,		/* a bare LF */
	AM_CANON_BLK_ODD		/* held-back empty line */
};

struct am_canon_blk {
	const unsigned char	*p;	/* in/out: input position */
	const unsigned char	*end;	/* end of the chunk */
	unsigned char		*o;	/* in/out: output position */
	unsigned char		*olim;	/* stop once o is past this */
	int			 midline; /* in/out: line has content */
	int			 wsp;	/* out: a WSP run is pending at p */
	enum am_canon_blk_stop	 stop;	/* out: why it returned */
};

typedef void am_canon_blk_fn(struct am_canon_blk *);

/* Kernels, best first; a name the CPU cannot run is not offered. */
enum am_canon_kernel {
	AM_CANON_KERNEL_AUTO,		/* the best this CPU runs */
	AM_CANON_KERNEL_AVX512,		/* AVX-512 VBMI2 vpcompressb */
	AM_CANON_KERNEL_AVX2_BMI2,	/* the same as AVX2 now */
	AM_CANON_KERNEL_AVX2,		/* AVX2 masks, pshufb + table */
	AM_CANON_KERNEL_SSSE3,		/* pshufb and a 256-entry table */
	AM_CANON_KERNEL_NONE		/* portable byte-level paths only */
};

/*
 * am_canon_blk_pick - the kernel for k, or NULL if this CPU (or this
 * build, off x86-64) has none: then canon.c runs its portable paths.
 * AUTO is the best kernel for this CPU: vbmi2, then avx2, ssse3.
 * avx2-bmi2 (on a CPU with AVX2 and BMI2) is the avx2 kernel.
 */
am_canon_blk_fn	*am_canon_blk_pick(enum am_canon_kernel k);

/*
 * am_canon_scan_pick - the fast path's anomaly scan for kernel k (both
 * modes), or NULL for canon.c's portable one: AVX2, for the avx2,
 * avx2-bmi2 and vbmi2 kernels (and AUTO where AVX2 runs).  It returns
 * the offset of the first anomaly, with *found set, or, with *found
 * clear, how far it got (it stops with 64 bytes or fewer left).
 */
typedef size_t am_canon_scan_fn(int relaxed, const unsigned char *p,
		    size_t n, int *found);
am_canon_scan_fn *am_canon_scan_pick(enum am_canon_kernel k);

/*
 * am_canon_kernel_default - the kernel every new relaxed canonicalizer
 * uses, chosen once per process: the environment variable
 * AM_CANON_KERNEL (auto, vbmi2, avx2-bmi2, avx2, ssse3 or portable),
 * read at the first call, or AUTO if it is unset, unknown or names a
 * kernel this CPU cannot run (so a forced kernel never crashes).  For
 * benchmarks and tests; thread-safe (the choice is idempotent).
 */
enum am_canon_kernel am_canon_kernel_default(void);

/* The name of k (as AM_CANON_KERNEL spells it); AUTO resolves to the
 * kernel it picks here, "portable" when there is none. */
const char	*am_canon_kernel_name(enum am_canon_kernel k);
/* The kernel a name stands for; -1 if none. */
int		 am_canon_kernel_parse(const char *name,
		    enum am_canon_kernel *out);

/*
 * am_canon_set_kernel - for tests: make c use kernel k from now on.
 * Returns 0, or -1 if k does not run here (c is left alone).
 */
struct am_canon;
int		 am_canon_set_kernel(struct am_canon *c, enum am_canon_kernel k);

#endif /* AM_CANON_SIMD_H */
