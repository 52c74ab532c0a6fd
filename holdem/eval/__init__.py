"""Evaluating blueprints: action translation, baselines, duplicate matches, local best response, plots.

translation  pseudo-harmonic mapping of real bet sizes (Ganzfried & Sandholm 2013)
ranges       compiled per-hole buckets and equities (all 1326 holes at once)
baselines    random / call / raise-pot / tag bots, and a bot that samples a blueprint
match        head-to-head matches with duplicate dealing (2-6 seats)
stats        mean and 95% interval over duplicate groups, in mbb/hand
lbr          local best response against a heads-up Hold'em blueprint (Lisy & Bowling 2017)
lbr_exact    the same rule computed exactly on Kuhn/Leduc trees
plot         a small PNG line chart (no matplotlib)
progress     a progress bar on stderr
"""
