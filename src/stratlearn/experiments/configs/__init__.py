"""The config front-ends: TOML files read into points or runs, every field checked before anything runs.

* :mod:`~stratlearn.experiments.configs.common`: what they share: reading a file with ``--set`` overrides, the one
  unknown-key check (:func:`check_known_keys`), tables, and the number and vector readers;
* :mod:`~stratlearn.experiments.configs.simulate`: ``[game]``/``[[learners]]``/``[run]`` configs, expanded into
  sweeps of points of kind ``"simulate"`` (``stratlearn run``, ``stratlearn sweep``);
* :mod:`~stratlearn.experiments.configs.tolls`: a leader learning tolls, the point kind ``"leader"``
  (``stratlearn tolls``);
* :mod:`~stratlearn.experiments.configs.population`: a population PDE coupled to a learner
  (``stratlearn population``);
* :mod:`~stratlearn.experiments.configs.collective`: the audit of a classifier against collective action
  (``stratlearn collective audit``).

Only the shared readers and the simulate configs are imported with the package; the others are modules of their own
(none imports JAX before its config is checked).
"""

from .common import (apply_overrides, check_known_keys, config_table, parse_override, read_config, read_number,
                     read_vector)
from .simulate import expand, load_points

__all__ = ["read_config", "check_known_keys", "config_table", "parse_override", "apply_overrides", "read_number",
           "read_vector", "expand", "load_points"]
