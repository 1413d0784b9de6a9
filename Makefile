# newsevents: `make run` and `make test` are all a fresh clone needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DATA   ?= ../shared/data
INPUT  ?= seeds/*.txt
OUT    ?= out
MODEL_OUT ?= runs/tagger
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

# OUT/report.html: charts and a table of a run's output folder (make report OUT=DIR)
.PHONY: setup run report test train train-gpu train-events train-gate train-factuality eval eval-events eval-actors eval-clusters bundle clean

setup: $(VENV)/.installed

# torch is installed first and pinned: the CPU build of 2.13.0 comes from local disk;
# an unpinned torch would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

run: setup
	$(PY) -m pipeline --input '$(INPUT)' --output $(OUT)

report: setup
	$(PY) -m pipeline report $(OUT)

test: setup
	$(PY) -m pytest -q

# Full training (CPU, about 170 minutes, in three stages: 6 epochs from the
# backbone, then two warm restarts of up to 8 epochs, each with a fresh
# warm-up/decay cycle, a new seed and early stopping on the dev slice);
# writes $(MODEL_OUT). The committed checkpoint was trained with exactly these flags. One torch thread: on a shared
# 2-core machine two threads spin against other processes and run slower.
train: setup
	OMP_NUM_THREADS=1 $(PY) -m pipeline.tagger.train --data-dir $(DATA) --out $(MODEL_OUT)-stage1 \
	  --epochs 6 --patience 3 --max-minutes 75 --batch-size 32 \
	  --frozen-layers 3 --frames-pool 10000 --frames-per-epoch 5000
	OMP_NUM_THREADS=1 $(PY) -m pipeline.tagger.train --data-dir $(DATA) --out $(MODEL_OUT)-stage2 \
	  --init-from $(MODEL_OUT)-stage1 --seed 17 --lr 5e-5 --head-lr 5e-4 \
	  --epochs 8 --patience 3 --max-minutes 80 --batch-size 32 \
	  --frozen-layers 3 --frames-pool 10000 --frames-per-epoch 5000
	OMP_NUM_THREADS=1 $(PY) -m pipeline.tagger.train --data-dir $(DATA) --out $(MODEL_OUT) \
	  --init-from $(MODEL_OUT)-stage2 --seed 29 --lr 4e-5 --head-lr 4e-4 \
	  --epochs 8 --patience 3 --max-minutes 80 --batch-size 32 \
	  --frozen-layers 3 --frames-pool 10000 --frames-per-epoch 5000

# The 0.4.0 recipe on one GPU (about 11 minutes on an H200): run D from the
# backbone, warm restarts D2 and E side by side, their tensor-wise average.
train-gpu: setup
	$(PY) -m pipeline.tagger.recipe --device cuda --data-dir $(DATA) --out $(MODEL_OUT)

# What a remote GPU machine needs to run that recipe, in at most 64 MiB with this
# checkout (see pipeline/tagger/bundle.py): .devcarry/bundle
bundle: setup
	$(PY) -m pipeline.tagger.bundle pack --data-dir $(DATA) --out .devcarry/bundle

# The event head (is it an event, which PLOVER type) on the packaged tagger's pass,
# from distant labels and the gold set's dev and training-only articles (about 15 min).
train-events: setup
	$(PY) -m pipeline.tagger.train_event_head --data-dir $(DATA)

# The frame gate (can this predicate be an event at all: role decoding is skipped
# for the rest) on the same examples as the event head, written beside it in the
# tagger folder: about 6 minutes (5 of them the tagger's features, kept in
# /tmp/newsevents-event-head; add --cache to the command to reuse them).
train-gate: setup
	$(PY) -m pipeline.tagger.train_frame_gate --data-dir $(DATA) --work /tmp/newsevents-event-head

# The factuality head (did the event happen: it corrects the rules where it is
# sure) on the gold set's dev and training-only events, read through both
# runtimes of the tagger, written beside the event head (about 25 minutes; the
# tagger's vectors are kept in /tmp/newsevents-event-head, --cache reuses them).
train-factuality: setup
	$(PY) -m pipeline.tagger.train_factuality_head --data-dir $(DATA) --work /tmp/newsevents-event-head

eval: setup
	$(PY) -m pipeline.tagger.evaluate --data-dir $(DATA)

# Coded events, PLOVER types and factuality on the gold set's test articles, with the baseline.
eval-events: setup
	$(PY) -m bench.events_eval --data-dir $(DATA)

eval-actors: setup
	$(PY) -m bench.actors_eval
	$(PY) -m bench.actor_sentences_eval --split test

# One event, many reports: the cluster rule against the same-lemma baseline on ECB+'s
# test topics (B³, CoNLL F1; about 2 minutes, the pipeline's rows cached in .bench-cache/ecb).
eval-clusters: setup
	$(PY) -m bench.ecb_eval --data-dir $(DATA)

clean:
	rm -rf $(OUT) runs

# Throughput and memory of the pipeline against the bare model, the naive loop,
# the ONNX Runtime int8 path and 2 workers; writes BENCHMARKS.md and
# bench/results.json. `make bench BENCH_ARGS=--quick` runs in under 10 minutes.
BENCH_ARGS ?=
.PHONY: bench
bench: setup
	$(PY) -m bench.run $(BENCH_ARGS)
