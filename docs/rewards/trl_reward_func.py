"""TRL GRPO reward function backed by `deliberate rewards serve` (stdlib only).

    from trl import GRPOConfig, GRPOTrainer
    from trl_reward_func import reward_func          # async_reward_func for TRL versions that await them
    trainer = GRPOTrainer(model=..., reward_funcs=[reward_func], args=GRPOConfig(...), train_dataset=dataset)

TRL calls reward_func(prompts, completions, **columns): the dataset's other columns arrive as lists,
one entry per completion. The gold answer is the first column present among GOLD_COLUMNS; the optional
columns `kind` ("math", "choice", "code"), `choices` and `tests` ({"language", "code"}) pass through.
Completions are strings (standard format) or lists of messages (conversational): the last message's
content is graded, thinking included (the service grades what follows </think>).

Returns a float per completion, or None where the service could not check it (a gold answer that does
not parse, a grader timeout or error): TRL allows None for a sample a reward function cannot judge.
Set DELIBERATE_REWARDS_URL (default http://127.0.0.1:8088) and DELIBERATE_API_KEY if the server has keys.
This file stands alone (its HTTP helper repeats the other shim's), so a trainer needs only this one.
"""
import asyncio, json, os, time, urllib.error, urllib.request

URL = os.environ.get("DELIBERATE_REWARDS_URL", "http://127.0.0.1:8088").rstrip("/") + "/v1/rewards"
KEY = os.environ.get("DELIBERATE_API_KEY")
GOLD_COLUMNS = ("answer", "solution", "ground_truth", "gold")
PASSED_COLUMNS = ("kind", "choices", "tests")


def _text(sample):
    """A completion or prompt as text: a string as is, a conversation as its last message's content."""
    if isinstance(sample, str):
        return sample
    content = sample[-1]["content"] if sample else ""
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content


def _post(items, tries=8):
    headers = {"content-type": "application/json", **({"authorization": "Bearer " + KEY} if KEY else {})}
    data = json.dumps({"items": items}).encode()
    for attempt in range(tries):
        try:
            with urllib.request.urlopen(urllib.request.Request(URL, data, headers), timeout=900) as response:
                return json.load(response)["results"]
        except urllib.error.HTTPError as error:  # 429: the queue is full; wait as told, then retry
            if error.code != 429 or attempt == tries - 1:
                raise RuntimeError(f"{URL}: {error.code} {error.read().decode(errors='replace')}") from None
            time.sleep(float(error.headers.get("Retry-After") or 1))


def reward_func(prompts, completions, **columns):
    gold = next((columns[name] for name in GOLD_COLUMNS if columns.get(name) is not None), None)
    items = []
    for i, completion in enumerate(completions):
        item = {"output": _text(completion), "prompt": _text(prompts[i])}
        if gold is not None and gold[i] is not None:
            item["gold"] = str(gold[i])
        for name in PASSED_COLUMNS:
            if columns.get(name) is not None and columns[name][i] is not None:
                item[name] = columns[name][i]
        items.append(item)
    return [result["reward"] if result["scored"] else None for result in _post(items)]


async def async_reward_func(prompts, completions, **columns):
    """The same, off the event loop, for trainers that await reward functions."""
    return await asyncio.to_thread(reward_func, prompts, completions, **columns)
