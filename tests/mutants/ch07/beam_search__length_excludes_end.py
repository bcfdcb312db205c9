# Wrong: length normalisation does not count the end token.
# Names: does not count the end token; `end` included
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
            else:
                kept_tokens.append(seq); kept_scores.append(candidates[flat]); parents.append(parent)
        live_tokens, live_scores, states = kept_tokens, np.array(kept_scores), next_states[parents]
        if not live_tokens:
            break
    finished.extend(zip(live_tokens, live_scores))
    normalised = [score / max(len(seq) - (seq[-1] == end), 1) ** alpha for seq, score in finished]
    best = int(np.argmax(normalised))
    return np.array(finished[best][0], dtype=int), float(normalised[best])
