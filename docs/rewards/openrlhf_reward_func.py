"""OpenRLHF reward function backed by `deliberate rewards serve`, for servers that need an API key.

OpenRLHF's HTTP client (`--remote_rm_url http://HOST:8088/openrlhf`) sends no Authorization header, so
it suits a keyless server on loopback. With keys, point OpenRLHF at this file instead:

    --remote_rm_url docs/rewards/openrlhf_reward_func.py --label_key answer

reward_func(queries, prompts, labels) posts the batch to /openrlhf and returns its rewards, scores and
extra_logs as tensors, as OpenRLHF's reward functions do. Stdlib besides torch (which OpenRLHF has).
Set DELIBERATE_REWARDS_URL (default http://127.0.0.1:8088) and DELIBERATE_API_KEY.
This file stands alone (its HTTP helper repeats the other shims'), so a trainer needs only this one.
"""
import json, os, time, urllib.error, urllib.request

URL = os.environ.get("DELIBERATE_REWARDS_URL", "http://127.0.0.1:8088").rstrip("/") + "/openrlhf"
KEY = os.environ.get("DELIBERATE_API_KEY")


def _post(body, tries=8):
    headers = {"content-type": "application/json", **({"authorization": "Bearer " + KEY} if KEY else {})}
    data = json.dumps(body).encode()
    for attempt in range(tries):
        try:
            with urllib.request.urlopen(urllib.request.Request(URL, data, headers), timeout=900) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:  # 429: the queue is full; wait as told, then retry
            if error.code != 429 or attempt == tries - 1:
                raise RuntimeError(f"{URL}: {error.code} {error.read().decode(errors='replace')}") from None
            time.sleep(float(error.headers.get("Retry-After") or 1))


def reward_func(queries, prompts, labels, **_):
    import torch

    reply = _post({"query": list(queries), "prompts": list(prompts), "labels": [str(label) for label in labels]})
    return {"rewards": torch.tensor(reply["rewards"], dtype=torch.float),
            "scores": torch.tensor(reply["scores"], dtype=torch.float),
            "extra_logs": {name: torch.tensor(values, dtype=torch.float) for name, values in reply["extra_logs"].items()}}
