#ifndef AM_ENGINE_IMPL_H
#define AM_ENGINE_IMPL_H

/*
 * engine_impl - the engine's state, shared by its files (engine.c:
 * stages and result; engine_ar.c: Authentication-Results fields seen;
 * engine_spf.c; engine_dkim.c; engine_dmarc.c).  Not for callers.
 */

#include "engine.h"

#define AM_ENGINE_MAXAR		(64 * 1024)	/* our A-R value */
#define AM_ENGINE_MAXRSPF	8192		/* our Received-SPF value */
#define AM_ENGINE_MAXWHY	65536		/* the why-trace */
#define AM_ENGINE_MAXFACTS	900		/* the log line's facts */
#define AM_ENGINE_UP_MAXDKIM	8		/* trusted dkim results */

enum am_engine_spf_state {
	AM_ENGINE_SPF_OFF,	/* SPF off, or no MAIL FROM seen */
	AM_ENGINE_SPF_SKIPPED,	/* trusted client or no client address */
	AM_ENGINE_SPF_DONE	/* mailfrom (and helo if has_helo) hold
				 * results */
};

struct am_engine_spf {
	enum am_engine_spf_state state;
	char			 why[160];	/* SKIPPED: why */
	struct am_spf_result	 mailfrom;
	struct am_spf_result	 helo;
	int			 has_helo;
	char			 helo_name[AM_SPF_IDENTITY_MAX + 1];
	char			 envfrom[AM_SPF_IDENTITY_MAX + 2]; /* "" null */
	struct am_disposition	 disp;
};

/* SPF and DKIM results from trusted Authentication-Results fields. */
struct am_engine_upstream {
	size_t			 nfields;	/* trusted fields used */
	char			 id[128];	/* the first one's authserv-id */
	int			 have_spf;
	enum am_spf_verdict	 spf;
	char			 spf_domain[256]; /* A-label */
	size_t			 ndkim;
	struct {
		enum am_dkim_verdict	 verdict;
		char			 d[256];	/* A-label */
	}			 dkim[AM_ENGINE_UP_MAXDKIM];
};

struct am_engine {
	struct am_engine_opts		 opts;
	struct am_dns			*dns;
	const struct am_log		*log, *liblog;
	struct am_engine_client		 client;
	int				 refused;	/* at MAIL FROM */
	char				 rcpt_domain[256];
	int				 null_sender;	/* MAIL FROM:<> */
	char				 kind[8];	/* am_engine_kind_of */

	struct am_engine_spf		 spf;
	struct am_engine_iprev		 iprev;

	/* Headers, until the end of headers. */
	struct am_hdrs			*hdrs;
	int				 hdr_failed;
	char				 hdr_why[160];
	size_t				 n_ar;		/* A-R fields seen */
	size_t				*ar_del;	/* to delete, 1-based */
	size_t				 n_ar_del, cap_ar_del;
	struct am_engine_upstream	 up;
	int				 from_done;
	struct am_from			 from;

	/* DKIM. */
	int				 eoh_done, verify, need_body;
	struct am_dkim_verifier		*verifier;
	struct am_dkim_result		*dkim;		/* ndkim, copies */
	size_t				 ndkim;
	enum am_outcome			 outcome;

	/* DMARC. */
	int				 dmarc_done;
	enum am_engine_from_act		 from_act;
	size_t				 ndmarc, worst;
	struct am_dmarc_result		*dmarc;
	struct am_disposition		 dmarc_disp;
	char				 upnote[200];

	int				 eom_done;
	struct am_buf			 ar, rspf, why, facts;
	struct am_engine_result		 res;
};

/* engine_ar.c */
void	am_engine_ar_seen(struct am_engine *, const char *v, size_t len);
int	am_engine_ar_remove(const struct am_engine_opts *, const char *v,
	    size_t len);

/* engine_spf.c */
void	am_engine_spf_check(struct am_engine *, struct am_engine_conn *,
	    const char *helo, const char *arg);
void	am_engine_spf_authres(const struct am_engine *, struct am_buf *);
void	am_engine_spf_received(const struct am_engine *, struct am_buf *);
void	am_engine_spf_logline(const struct am_engine *, struct am_buf *);

/* engine_iprev.c */
void	am_engine_iprev_check(struct am_engine *, struct am_engine_conn *);
void	am_engine_iprev_authres(const struct am_engine *, struct am_buf *);
void	am_engine_iprev_logline(const struct am_engine *, struct am_buf *);

/* engine_dkim.c */
enum am_outcome am_engine_outcome_of(const struct am_dkim_result *,
	    size_t n);
void	am_engine_dkim_eom(struct am_engine *, struct am_disposition *);

/* engine_dmarc.c */
void	am_engine_dmarc_eom(struct am_engine *);
void	am_engine_dmarc_authres(const struct am_engine *, struct am_buf *);
void	am_engine_dmarc_logline(const struct am_engine *, struct am_buf *);
void	am_engine_dmarc_release(struct am_engine *);

#endif /* AM_ENGINE_IMPL_H */
