"""Real-time search on top of a blueprint: ranges, subgames, vectorised CFR, safe re-solving.

Modules, one idea each:

* :mod:`~holdem.search.hands`    the private hands a range is over (Leduc's cards; Hold'em's 1,326 pairs)
* :mod:`~holdem.search.ranges`   each seat's range along the actual public history (Bayes' rule)
* :mod:`~holdem.search.payoff`   terminal payoffs as hand-by-hand matrices
* :mod:`~holdem.search.leaves`   k continuation strategies and their values at a depth limit
* :mod:`~holdem.search.subgame`  the search tree below a public state
* :mod:`~holdem.search.cfr`      vectorised Discounted CFR over ranges
* :mod:`~holdem.search.gadget`   unsafe search and safe re-solving (the opt-out gadget)
* :mod:`~holdem.search.splice`   the re-solved strategy written back into a full policy
* :mod:`~holdem.search.agent`    ``SearchAgent(blueprint, config).act(state)``

Hold'em (heads-up, turn and river search on the blueprint):

* :mod:`~holdem.search.holdem_ranges`  both seats' reaches over the 1,326 hole pairs along a real history
* :mod:`~holdem.search.river_tree`     the river subgame: finer sizes, the actual sizes inserted
* :mod:`~holdem.search.turn_tree`      the turn subgame: turn betting, every river card, river betting
* :mod:`~holdem.search.showdown`       exact river payoffs in O(H) with card removal (compiled)
* :mod:`~holdem.search.river_cfr`      compiled DCFR and best response over a river or turn subgame
* :mod:`~holdem.search.holdem_agent`   the player: blueprint to the flop, unsafe turn and river search on it
* :mod:`~holdem.search.lbr`            local best response in Python, against the blueprint or the search agent
"""
