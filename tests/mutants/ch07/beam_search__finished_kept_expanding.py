# Wrong: a hypothesis that produced `end` is recorded as finished but also stays in the
# beam and keeps being extended (and keeps taking a place in it).
# Names: stays in the beam; out of the beam
def beam_search(step_fn, h_init, start, end, beam_width, max_len, alpha=0.0):
    live_tokens, live_scores, states, finished = [[]], np.zeros(1), h_init, []
    for _ in range(max_len):
        last = np.array([seq[-1] if seq else start for seq in live_tokens])
        log_probs, next_states = step_fn(last, states)
        V = log_probs.shape[1]
        candidates = (live_scores[:, None] + log_probs).ravel()
        kept_tokens, kept_scores, parents = [], [], []
        for flat in np.argsort(-candidates, kind="stable")[:beam_width]:
            parent, word = divmod(int(flat), V)
            seq = live_tokens[parent] + [word]
            if word == end:
                finished.append((seq, candidates[flat]))
            kept_tokens.append(seq); kept_scores.append(candidates[flat]); parents.append(parent)
        live_tokens, live_scores, states = kept_tokens, np.array(kept_scores), next_states[parents]
    finished.extend((seq, s) for seq, s in zip(live_tokens, live_scores) if seq[-1] != end)
    normalised = [score / len(seq) ** alpha for seq, score in finished]
    best = int(np.argmax(normalised))
    return np.array(finished[best][0], dtype=int), float(normalised[best])
