import numpy as np

from vaebook import Config, train
from vaebook.sweep import train_many


def test_a_sweep_gives_exactly_the_runs_of_train(cache, tmp_path, monkeypatch):
    configs = [Config(n_points=500, epochs=12, hidden_units=16, seed=s, snapshots=(12,)) for s in (0, 1)]
    swept = train_many(configs, workers=2, progress=False)  # two worker processes
    monkeypatch.setenv("VAEBOOK_CACHE", str(tmp_path / "alone"))
    for config, run in zip(configs, swept):
        alone = train(config, progress=False)
        assert run.config == config and np.array_equal(run.objective, alone.objective)
        assert np.array_equal(run.distance()[1], alone.distance()[1])
