"""Evaluating blueprints: action translation, baselines, duplicate matches, local best response, plots.

translation  pseudo-harmonic mapping of real bet sizes (Ganzfried & Sandholm 2013)
ranges       compiled per-hole buckets and equities (all 1326 holes at once)
baselines    random / call / raise-pot / tag bots, and a bot that samples a blueprint
match        head-to-head matches with duplicate dealing (2-6 seats)
phh          hand histories in the PHH format (Kim 2024), as pokerkit reads them
aivat        AIVAT variance reduction for matches (Burch et al. 2018): chance and action control variates
aivat_values the value functions AIVAT's terms use (showdown equity, call-down, the blueprints' tree)
stats        mean and 95% interval over duplicate groups, in mbb/hand
lbr          local best response against a heads-up Hold'em blueprint (Lisy & Bowling 2017), in parallel
lbr_actions  LBR's action sets (fc-fcpa, fcpa, fc, tree)
lbr_kernel   compiled LBR hands: decisions, and ranges averaged over the blueprint's translation
lbr_engine   heads-up rules compiled (the reference engine's, for two seats)
lbr_tree     the blueprint's tree compiled: translation steps, abstract actions as played, policy rows
lbr_equity   compiled equities against every hole (runouts ranked once per deal, a preflop table)
lbr_exact    the same rule computed exactly on Kuhn/Leduc trees
raster       PNG encoding, a 3x5 pixel font and lines (no matplotlib)
plot         a PNG line chart with a 95% interval band
chart        preflop range charts: 13x13 grids of action frequencies (PNG and HTML)
curve        learning curves: every snapshot of a run scored, against training time
progress     a progress bar on stderr
"""
