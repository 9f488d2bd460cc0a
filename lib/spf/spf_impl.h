#ifndef AM_SPF_IMPL_H
#define AM_SPF_IMPL_H

/*
 * spf_impl - state of one SPF evaluation, shared by spf.c (check_host
 * and the mechanisms) and spf_eval.c (DNS answers, limits, %{p})
 *
 * Only spf.c and spf_eval.c include this.
 */

#include <stdarg.h>
#include <stdint.h>

#include "dns.h"
#include "spf.h"
#include "spf_macro.h"

#define AM_SPF_DEPTH_MAX	24	/* guard: the lookup limit keeps it <= 11 */
#define AM_SPF_NAME_BUF		1100	/* an expanded target-name (<= 1024) */

enum am_spf_match {
	AM_SPF_NOMATCH,
	AM_SPF_MATCHED,
	AM_SPF_ABORT		/* temperror or permerror, in ev->abort */
};

/* One DNS answer, kept for the whole evaluation. */
struct am_spf_answer {
	enum am_dns_type	 type;
	char			*name;		/* lower case */
	struct am_dns_result	 res;
};

struct am_spf_eval {
	struct am_dns		*dns;
	const struct am_spf_opts *opts;
	struct am_spf_result	*out;

	int			 v6;		/* IPv6 (an IPv4-mapped one is not) */
	unsigned char		 ip[16];	/* 4 or 16 octets */
	char			 ip_i[80];	/* %{i} */
	char			 ip_c[48];	/* %{c} */
	char			 rev[80];	/* the PTR query name */
	char			 t[24];		/* %{t} */
	char			 s[2 * AM_SPF_IDENTITY_MAX + 16];
	char			 l[AM_SPF_IDENTITY_MAX + 16];
	char			 o[AM_SPF_IDENTITY_MAX + 16];
	const char		*helo;

	unsigned		 lookups;	/* DNS-querying terms */
	unsigned		 voids;
	unsigned		 queries;	/* sent to the resolver */
	unsigned		 depth;
	unsigned		 include_depth;
	uint64_t		 deadline;
	int			 expired;	/* the budget ran out */
	enum am_spf_verdict	 abort;		/* with AM_SPF_ABORT */

	struct am_spf_answer	**cache;
	size_t			 ncache;
	struct am_dns_result	 timeout_res;	/* answer once expired */

	int			 p_done;	/* %{p}: validated names */
	char			*p_names[AM_SPF_MAX_NAMES];
	size_t			 np;
	char			 p_buf[AM_SPF_DOMAIN_MAX + 1];

	int			 exp_set;	/* a fail was decided at depth 0 */
	char			*exp_spec;	/* its record's exp=, or NULL */
	char			 exp_domain[AM_SPF_DOMAIN_MAX + 1];
};

/* spf_eval.c */
int		 am_spf_eval_init(struct am_spf_eval *, struct am_dns *,
		    const struct am_spf_opts *, const char *ip,
		    struct am_spf_result *, struct am_err *);
void		 am_spf_eval_release(struct am_spf_eval *);
const struct am_dns_result *am_spf_dns(struct am_spf_eval *,
		    const char *name, enum am_dns_type);
enum am_spf_match am_spf_abort(struct am_spf_eval *, enum am_spf_verdict,
		    enum am_spf_reason, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
void		 am_spf_why(struct am_spf_eval *, enum am_spf_reason,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
enum am_spf_match am_spf_dns_error(struct am_spf_eval *,
		    const char *name, enum am_dns_type, enum am_dns_status);
int		 am_spf_count_lookup(struct am_spf_eval *, const char *term,
		    size_t len);
int		 am_spf_count_void(struct am_spf_eval *, const char *name);
int		 am_spf_prefix_eq(const unsigned char *, const unsigned char *,
		    unsigned bits);
int		 am_spf_addr_match(const struct am_spf_eval *,
		    const struct am_dns_result *, unsigned cidr);
int		 am_spf_name_ok(const char *);
int		 am_spf_name_within(const char *name, const char *dom);
void		 am_spf_env(struct am_spf_eval *, const char *d,
		    struct am_spf_macro_env *);

#endif /* AM_SPF_IMPL_H */
