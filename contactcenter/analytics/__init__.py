"""Customer analytics on purchase histories: pure functions on numpy arrays, no I/O
beyond the transactions reader; the database only in the modules that say so
(``crm_features``, ``crm_uplift``, ``affinity_crm``, ``affinity_source``, and the
``affinity_report`` command), which read the CRM in a session the caller opens and hand
the models arrays.

Theory of operation: transactions (customer, day, amount) become one summary row per
customer (``summary.summarize``: repeat purchases x, recency t_x, age T, mean repeat
spend); the BG/NBD model (``bgnbd``) is fitted on (x, t_x, T) and predicts purchases and
P(alive); the Gamma-Gamma model (``gamma_gamma``) is fitted on the repeat buyers' spend
and, with the BG/NBD, gives the discounted lifetime value. Uplift (``uplift``, ``qini``),
segments by clustering (``clusters``) and product affinity (``affinity``) take feature
arrays likewise; churn (``churn``, ``survival``) takes the CRM's features as of a cut-off
day. The lifetime-value and survival fits are maximum likelihood of our own on scipy;
the uplift, attrition and cluster models are scikit-learn's. Too little data and a fit
that does not converge are errors (``errors``), never a silent result. The package's modules are imported by name: this
file imports nothing, so that the command line does not load scipy to parse options.
"""
