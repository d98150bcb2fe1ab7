"""Offline check, validation orders only: would the shopper's nearest shoppers help?

TIFU-KNN (Hu, He, Gao & Zhang, SIGIR 2020) ranks a shopper's next basket by a blend of
their own time-decayed purchase vector and the mean vector of their nearest shoppers.
vitrine's profile holds only the shopper's own history, so before building that path
(other shoppers' vectors would have to ship in the bundle) this measures what the blend is
worth on the same basket-completion cases `vitrine tune` scores: each user's second to
seventh to last order, the first half of the basket revealed as the cart. Neighbours are
found among the other shoppers' histories without their last seven orders, so no
validation or test order is read.

Scores: own = vitrine's `repeat` feature (1 - 2^-sum of 60-day decayed purchases), the
neighbours' mean scaled to a maximum of 1. MRR@20 against `own` alone, with the standard
error of the paired difference clustered by user.

    target/py-venv/bin/python scripts/instacart_neighbour_check.py [<instacart dir>]
"""

import sys

import numpy as np
import pandas as pd
import scipy.sparse as sp

HALF_LIFE_DAYS = 60.0
VALIDATION = range(2, 8)  # orders from last; 1 is the test


def load(folder):
    df = pd.read_csv(f"{folder}/order_products_dev.csv")
    df = df.sort_values(["user_id", "order_number", "add_to_cart_order"])
    index = {p: i for i, p in enumerate(sorted(df.product_id.unique()))}
    users = {}
    for (user, _), g in df.groupby(["user_id", "order_number"], sort=True):
        gap = g.days_since_prior_order.iloc[0]
        users.setdefault(user, []).append((0.0 if np.isnan(gap) else gap, [index[p] for p in g.product_id]))
    return users, len(index)


def halves(items):
    """The basket as `vitrine eval` splits it: the first half (at least one item) revealed
    as the cart, the rest to find."""
    reveal = max(len(items) // 2, 1)
    return items[:reveal], items[reveal:]


def clustered_se(d, users):
    """The standard error of the mean of paired differences `d`, clustered by user (the
    sandwich estimator with its C/(C-1) factor, as `vitrine tune` computes it)."""
    sums = pd.Series(d - d.mean()).groupby(users).sum().to_numpy()
    return np.sqrt(len(sums) / (len(sums) - 1) * (sums**2).sum()) / len(d)


def decayed(orders, upto):
    """Each product's purchases in orders[:upto], weighted by age at the last of them."""
    if upto == 0:
        return {}
    days = np.cumsum([gap for gap, _ in orders[:upto]])
    out = {}
    for j in range(upto):
        w = 2.0 ** (-(days[-1] - days[j]) / HALF_LIFE_DAYS)
        for p in orders[j][1]:
            out[p] = out.get(p, 0.0) + w
    return out


def main(folder):
    users, n_products = load(folder)
    ids = sorted(users)
    rows, cols, vals = [], [], []
    for i, u in enumerate(ids):
        for p, w in decayed(users[u], max(len(users[u]) - 7, 0)).items():
            rows.append(i), cols.append(p), vals.append(w)
    m = sp.csr_matrix((vals, (rows, cols)), shape=(len(ids), n_products))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(1)).ravel())
    m = sp.diags(1.0 / np.where(norms == 0, 1.0, norms)) @ m
    buyers = np.asarray((m > 0).sum(0)).ravel()

    cases = []
    for i, u in enumerate(ids):
        orders = users[u]
        for k in VALIDATION:
            t = len(orders) - k
            if t < 1 or len(orders[t][1]) < 2:
                continue
            cart, rest = halves(orders[t][1])
            v = decayed(orders, t)
            idx, w = np.fromiter(v, int), np.fromiter(v.values(), float)
            unit = np.zeros(n_products)
            unit[idx] = w / np.linalg.norm(w)
            sims = m @ unit
            sims[i] = -np.inf
            cases.append((u, idx, 1.0 - 2.0 ** -w, np.argsort(-sims), set(cart), set(rest)))

    def mrr(alpha, k):
        out = []
        for _, idx, own_w, order, cart, rest in cases:
            own = np.zeros(n_products)
            own[idx] = own_w
            score = alpha * own + 1e-9 * buyers  # popularity only breaks ties
            if alpha < 1.0:
                near = np.asarray(m[order[:k]].mean(0)).ravel()
                score += (1.0 - alpha) * near / (near.max() or 1.0)
            score[list(cart)] = -np.inf
            top = np.argsort(-score, kind="stable")[:20]
            out.append(next((1.0 / (r + 1) for r, p in enumerate(top) if p in rest), 0.0))
        return np.array(out)

    user_of = np.array([c[0] for c in cases])
    base = mrr(1.0, 0)
    print(f"{len(cases)} validation baskets; own decayed purchases alone: MRR@20 {base.mean():.4f}")
    print("neighbours  blend   MRR@20  difference  clustered SE")
    for k in (20, 50, 150):
        for alpha in (0.95, 0.9, 0.8, 0.6):
            d = mrr(alpha, k) - base
            se = clustered_se(d, user_of)
            print(f"{k:10d}  {alpha:5.2f}  {base.mean() + d.mean():.4f}  {d.mean():+.4f}     {se:.4f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/instacart")
