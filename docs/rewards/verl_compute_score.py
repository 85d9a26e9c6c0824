"""verl reward function backed by `deliberate rewards serve` (stdlib only).

    custom_reward_function.path=docs/rewards/verl_compute_score.py custom_reward_function.name=compute_score
    reward_model.reward_manager=batch   # optional: one HTTP call per batch instead of one per item

Returns verl's dict per item: `score` (the reward), `acc`, `pred`, `scored`, `timeout`, `bad_gold`.
Set DELIBERATE_REWARDS_URL (default http://127.0.0.1:8088) and DELIBERATE_API_KEY if the server has keys.
This file stands alone (its HTTP helper repeats the other shim's), so a trainer needs only this one.
"""
import json, os, time, urllib.error, urllib.request

URL = os.environ.get("DELIBERATE_REWARDS_URL", "http://127.0.0.1:8088").rstrip("/") + "/verl/compute_score"
KEY = os.environ.get("DELIBERATE_API_KEY")


def _post(body, tries=8):
    headers = {"content-type": "application/json", **({"authorization": "Bearer " + KEY} if KEY else {})}
    data = json.dumps(body, default=str).encode()  # numpy scalars in extra_info become text
    for attempt in range(tries):
        try:
            with urllib.request.urlopen(urllib.request.Request(URL, data, headers), timeout=900) as response:
                return json.load(response)["results"]
        except urllib.error.HTTPError as error:  # 429: the queue is full; wait as told, then retry
            if error.code != 429 or attempt == tries - 1:
                raise RuntimeError(f"{URL}: {error.code} {error.read().decode(errors='replace')}") from None
            time.sleep(float(error.headers.get("Retry-After") or 1))


def compute_score(data_source=None, solution_str=None, ground_truth=None, extra_info=None,
                  data_sources=None, solution_strs=None, ground_truths=None, extra_infos=None, **_):
    if solution_strs is None:  # one item (verl's naive reward manager)
        return compute_score(data_sources=[data_source], solution_strs=[solution_str],
                             ground_truths=[ground_truth], extra_infos=[extra_info])[0]
    n = len(solution_strs)
    return _post({"data_source": [str(s) for s in (data_sources if data_sources is not None else [""] * n)],
                  "solution_str": list(solution_strs), "ground_truth": list(ground_truths),
                  "extra_info": [None if e is None else dict(e) for e in (extra_infos if extra_infos is not None else [None] * n)]})
