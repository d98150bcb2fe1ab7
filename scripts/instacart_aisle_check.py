"""Offline check, validation orders only: does what the cart already holds of an aisle
tell which of the shopper's usual products are still to come?

A shopper who always buys one yogurt and has one in the cart is unlikely to add another;
one who buys several may well. This measures that on the basket-completion cases
`vitrine tune` scores (each user's second to seventh to last order, the first half of the
basket revealed as the cart) and on orders 8 to 13, which tuning never saw. For every
earlier basket of the shopper, split the same way, it counts how often an aisle appeared
in the second half after the first half held 0, 1 or 2+ of its products; a product's
`repeat` score (1 - 2^-sum of 60-day decayed purchases) is multiplied by
(P(aisle in the rest | what the cart holds of it) / P(aisle in the rest))^beta, both
shrunk towards the shopper's overall rate by `prior` pseudo-baskets. MRR@20 against
`repeat` alone, with the standard error of the paired difference clustered by user.

    target/py-venv/bin/python scripts/instacart_aisle_check.py [<instacart dir>]
"""

import sys

import numpy as np
import pandas as pd

from instacart_neighbour_check import clustered_se, decayed, halves, load

ORDERS = range(2, 14)  # orders from last; 1 is the test


def aisle_counts(orders, upto, aisle):
    """(aisle, 0/1/2+ in the first half) -> [baskets, of which the aisle is in the rest]."""
    given, overall = {}, {}
    known = {aisle[p] for _, items in orders[:upto] for p in items}
    for _, items in orders[:upto]:
        if len(items) < 2:
            continue
        first, rest = halves(items)
        held = pd.Series([aisle[p] for p in first]).value_counts().to_dict()
        later = {aisle[p] for p in rest}
        for a in known:  # every aisle the shopper has bought from, in this basket or not
            for table, key in ((given, (a, min(held.get(a, 0), 2))), (overall, a)):
                n = table.setdefault(key, [0, 0])
                n[0] += 1
                n[1] += a in later
    return given, overall


def main(folder):
    users, _ = load(folder)
    products = pd.read_csv(f"{folder}/products.csv")
    ids = sorted(pd.read_csv(f"{folder}/order_products_dev.csv").product_id.unique())
    by_id = dict(zip(products.product_id, products.aisle_id))
    aisle = [by_id[p] for p in ids]  # load() numbers products in sorted id order

    cases = []
    for user, orders in users.items():
        for k in ORDERS:
            t = len(orders) - k
            if t < 1 or len(orders[t][1]) < 2:
                continue
            cart, rest = halves(orders[t][1])
            cases.append((user, k, decayed(orders, t), *aisle_counts(orders, t, aisle), set(cart), set(rest)))

    def mrr(beta, prior):
        out = []
        for _, _, own, given, overall, cart, rest in cases:
            held = pd.Series([aisle[p] for p in cart]).value_counts().to_dict()
            scored = []
            for p, w in own.items():
                if p in cart:
                    continue
                score = 1.0 - 2.0**-w
                if beta:
                    a = aisle[p]
                    n, hit = overall.get(a, (0, 0))
                    base = (hit + 0.5 * prior) / (n + prior)
                    n, hit = given.get((a, min(held.get(a, 0), 2)), (0, 0))
                    score *= ((hit + prior * base) / (n + prior) / base) ** beta
                scored.append((-score, p))
            top = [p for _, p in sorted(scored)[:20]]
            out.append(next((1.0 / (r + 1) for r, p in enumerate(top) if p in rest), 0.0))
        return np.array(out)

    user_of = np.array([c[0] for c in cases])
    parts = {"orders 2-7": np.array([c[1] <= 7 for c in cases])}
    parts["orders 8-13"] = ~parts["orders 2-7"]
    base = mrr(0.0, 1)
    print("repeat alone: " + ", ".join(f"{n} MRR@20 {base[s].mean():.4f} ({s.sum()})" for n, s in parts.items()))
    print("beta   prior  " + "  ".join(f"{n}: difference (clustered SE)" for n in parts))
    for beta in (-0.5, -0.25, 0.25, 0.5, 1.0):
        for prior in (1, 4, 16):
            d = mrr(beta, prior) - base
            cells = []
            for s in parts.values():
                cells.append(f"{d[s].mean():+.4f} ({clustered_se(d[s], user_of[s]):.4f})")
            print(f"{beta:5.2f}  {prior:5d}  " + "              ".join(cells))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/instacart")
