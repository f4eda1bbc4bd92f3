"""How players learn: one module per family, every learner under the ``init``/``step``/``policy`` protocol.

The names below are imported when first used (:mod:`stratlearn._lazy`), so that a light module of the package
(a config reader, the command line) can be imported without JAX."""

from .._lazy import lazy_attributes

__all__ = ["Followers", "GradientPlayFollowers", "RoutingFollowers", "SealedFollowers", "leader_set", "Learner",
           "LearnerBase", "MatrixLearner", "MarkovLearner", "VILearner", "GeneralizedFrankWolfe", "ProjectedGradient",
           "VIExtragradient", "OptimisticGradient", "DSBRValueIteration", "TwoTimescaleQ", "StochasticGradientPlay",
           "stochastic_gradient_play", "successive_elimination", "selection_trials", "SGPResult", "SelectionResult",
           "follower_agnostic", "follower_agnostic_two_timescale", "follower_agnostic_online", "myopic_descent",
           "zeroth_order_descent", "oracle_hypergradient_descent", "oracle_toll_descent", "LeaderResult",
           "FollowersDidNotSettle", "FeatureMap", "OneHotFeatures", "RandomFeatures", "GridFeatures", "ArrayFeatures",
           "IndependentQLearning", "DecentralizedQLearning", "MinimaxQ", "FictitiousPlay", "SmoothedFictitiousPlay",
           "DoublySmoothedBestResponse", "OptimisticMultiplicativeWeights", "Extragradient", "RegretMatchingPlus",
           "default_policy_rate_ratio", "TextTransformer", "LogisticRegression", "MLP", "LinearParams", "MLPParams",
           "LEARNERS", "make"]

__getattr__, __dir__ = lazy_attributes(__name__, globals(), {
    "Learner": ".base", "LearnerBase": ".base", "MarkovLearner": ".base", "MatrixLearner": ".base",
    "DSBRValueIteration": ".dsbr_vi", "DecentralizedQLearning": ".markov_baselines",
    "IndependentQLearning": ".markov_baselines", "MinimaxQ": ".markov_baselines", "Extragradient": ".baselines",
    "OptimisticMultiplicativeWeights": ".baselines", "RegretMatchingPlus": ".baselines", "MLP": ".classifiers",
    "LinearParams": ".classifiers", "LogisticRegression": ".classifiers", "MLPParams": ".classifiers",
    "FictitiousPlay": ".fictitious_play", "SmoothedFictitiousPlay": ".fictitious_play", "Followers": ".followers",
    "GradientPlayFollowers": ".followers", "RoutingFollowers": ".followers", "SealedFollowers": ".followers",
    "leader_set": ".followers", "FollowersDidNotSettle": ".follower_agnostic", "LeaderResult": ".follower_agnostic",
    "follower_agnostic": ".follower_agnostic", "follower_agnostic_online": ".follower_agnostic",
    "follower_agnostic_two_timescale": ".follower_agnostic", "myopic_descent": ".follower_agnostic",
    "oracle_hypergradient_descent": ".follower_agnostic", "oracle_toll_descent": ".follower_agnostic",
    "zeroth_order_descent": ".follower_agnostic", "GeneralizedFrankWolfe": ".frank_wolfe",
    "OptimisticGradient": ".frank_wolfe", "ProjectedGradient": ".frank_wolfe", "VIExtragradient": ".frank_wolfe",
    "VILearner": ".frank_wolfe", "ArrayFeatures": ".features", "FeatureMap": ".features",
    "GridFeatures": ".features", "OneHotFeatures": ".features", "RandomFeatures": ".features",
    "SelectionResult": ".model_selection", "SGPResult": ".model_selection",
    "StochasticGradientPlay": ".model_selection", "selection_trials": ".model_selection",
    "stochastic_gradient_play": ".model_selection", "successive_elimination": ".model_selection",
    "TwoTimescaleQ": ".two_timescale_q", "DoublySmoothedBestResponse": ".smoothed_best_response",
    "default_policy_rate_ratio": ".smoothed_best_response", "TextTransformer": ".text", "LEARNERS": ".registry",
    "make": ".registry"})
