"""Offline check, never on the test orders: would a learned ranker beat the decayed count?

vitrine ranks a shopper's usual products on Instacart by their 60-day decayed purchase
count, as `repeat`. Before giving the bundle a learned scorer, this fits gradient-boosted
trees (LightGBM) on basket-completion cases from each user's 14th-to-last order back,
first half of the basket revealed as in `vitrine eval`, and scores them on the orders
tuning uses (2nd to 7th from last) and on those it never saw (8th to 13th). Candidates are
the products the shopper bought before and not in the cart, for both the trees and the
decayed count; features are what a profile snapshot and the cart can give: frequency,
recency in orders and days, the usual interval and how overdue the product is, its usual
place in the cart, co-purchase with the cart in the shopper's own baskets, how many cart
items share its aisle and department, the shopper's history length and basket size, and
each product's popularity and rebuy rate over all shoppers' orders before their last 13.

    target/py-venv/bin/pip install lightgbm   # once; not needed by anything else
    target/py-venv/bin/python scripts/instacart_ranker_check.py [<instacart dir>]
"""

import sys

import lightgbm as lgb
import numpy as np
import pandas as pd

from instacart_neighbour_check import HALF_LIFE_DAYS, clustered_se, halves, load

FEATURES = ["count", "share", "decayed", "orders_since", "days_since", "last_five", "cart_place", "interval",
            "overdue", "with_cart", "aisle_in_cart", "department_in_cart", "buyers", "rebuy_rate",
            "orders", "cart_size", "gap", "basket_mean"]
RECENCY = ["count", "share", "decayed", "orders_since", "days_since", "last_five"]


def global_stats(users):
    """Per product, over each user's orders before their last 13: buyers and rebuy share."""
    buyers, rebuyers = {}, {}
    for orders in users.values():
        seen = pd.Series([p for _, items in orders[: max(len(orders) - 13, 0)] for p in items]).value_counts()
        for p, n in seen.items():
            buyers[p] = buyers.get(p, 0) + 1
            rebuyers[p] = rebuyers.get(p, 0) + (n > 1)
    return buyers, rebuyers


def user_cases(orders, aisle, department, buyers, rebuyers):
    """One (k, features, labels) per order k from last that has an earlier order."""
    local = {}
    for _, items in orders:
        for p in items:
            local.setdefault(p, len(local))
    ids = np.array(list(local))
    bought = np.zeros((len(orders), len(local)), bool)
    place = np.full(bought.shape, np.nan)
    for j, (_, items) in enumerate(orders):
        for i, p in enumerate(items):
            bought[j, local[p]], place[j, local[p]] = True, i / len(items)
    day = np.cumsum([gap for gap, _ in orders])
    for k in range(2, len(orders)):
        t = len(orders) - k
        if len(orders[t][1]) < 2:
            continue
        cart, rest = halves(orders[t][1])
        past = bought[:t]
        held = [local[p] for p in cart if past[:, local[p]].any()]
        cand = np.setdiff1d(np.flatnonzero(past.any(0)), [local[p] for p in cart])
        if len(cand) == 0:
            continue
        h = past[:, cand]
        count = h.sum(0)
        last = t - 1 - np.argmax(h[::-1], axis=0)
        first = np.argmax(h, axis=0)
        days_since = day[t] - day[last]
        interval = np.where(count > 1, (day[last] - day[first]) / np.maximum(count - 1, 1), np.nan)
        with_cart_orders = past[:, held].any(1)
        in_aisle = pd.Series([aisle[p] for p in cart]).value_counts()
        in_department = pd.Series([department[p] for p in cart]).value_counts()
        p = ids[cand]
        n = len(cand)
        features = np.column_stack([
            count, count / t, (h * 2.0 ** (-(day[t] - day[:t]) / HALF_LIFE_DAYS)[:, None]).sum(0), t - 1 - last,
            days_since, h[max(0, t - 5):].sum(0), np.nanmean(np.where(h, place[:t][:, cand], np.nan), axis=0),
            interval, days_since / np.maximum(interval, 1), (h & with_cart_orders[:, None]).sum(0) / count,
            [in_aisle.get(aisle[q], 0) for q in p], [in_department.get(department[q], 0) for q in p],
            [buyers.get(q, 0) for q in p], [rebuyers.get(q, 0) / max(buyers.get(q, 1), 1) for q in p],
            np.full(n, t), np.full(n, len(cart)), np.full(n, orders[t][0]),
            np.full(n, np.mean([len(items) for _, items in orders[:t]])),
        ])
        yield k, features, np.isin(p, rest)


def main(folder):
    users, _ = load(folder)
    ids = sorted(pd.read_csv(f"{folder}/order_products_dev.csv").product_id.unique())
    products = pd.read_csv(f"{folder}/products.csv").set_index("product_id")
    aisle = products.aisle_id.loc[ids].to_numpy()  # load() numbers products in sorted id order
    department = products.department_id.loc[ids].to_numpy()
    buyers, rebuyers = global_stats(users)

    cases = [(u, k, x, y) for u, orders in users.items() for k, x, y in user_cases(orders, aisle, department, buyers, rebuyers)]
    user = np.array([c[0] for c in cases])
    k = np.array([c[1] for c in cases])
    train = np.flatnonzero(k >= 14)
    parts = {"orders 2-7": np.flatnonzero(k <= 7), "orders 8-13": np.flatnonzero((k >= 8) & (k <= 13))}
    print(f"{len(cases)} cases: {len(train)} to learn from, " + ", ".join(f"{len(s)} in {n}" for n, s in parts.items()))

    def mrr(score_of, sel):
        out = []
        for i in sel:
            _, _, x, y = cases[i]
            top = np.argsort(-score_of(x), kind="stable")[:20]
            hits = np.flatnonzero(y[top])
            out.append(1.0 / (hits[0] + 1) if len(hits) else 0.0)
        return np.array(out)

    decayed = FEATURES.index("decayed")
    base = {n: mrr(lambda x: x[:, decayed], s) for n, s in parts.items()}
    print("decayed count alone: " + ", ".join(f"{n} MRR@20 {b.mean():.4f}" for n, b in base.items()))
    print("model                                   " + "   ".join(f"{n}: difference (clustered SE)" for n in parts))
    for objective in ("binary", "lambdarank"):
        for columns, leaves, rounds in ((FEATURES, 15, 300), (FEATURES, 7, 100), (RECENCY, 7, 300)):
            cols = [FEATURES.index(c) for c in columns]
            x = np.vstack([cases[i][2][:, cols] for i in train])
            y = np.concatenate([cases[i][3] for i in train]).astype(int)
            model = (lgb.LGBMRanker if objective == "lambdarank" else lgb.LGBMClassifier)(
                objective=objective, n_estimators=rounds, learning_rate=0.05, num_leaves=leaves,
                min_child_samples=100, random_state=0, verbose=-1)
            fit = {"group": [len(cases[i][3]) for i in train]} if objective == "lambdarank" else {}
            model.fit(x, y, **fit)
            score = (lambda x: model.predict(x[:, cols])) if objective == "lambdarank" else (lambda x: model.predict_proba(x[:, cols])[:, 1])
            cells = []
            for n, s in parts.items():
                d = mrr(score, s) - base[n]
                cells.append(f"{d.mean():+.4f} ({clustered_se(d, user[s]):.4f})")
            print(f"{objective:10s} {len(columns):2d} features, {leaves:2d} leaves, {rounds} trees  " + "              ".join(cells))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/instacart")
