/**
 * The demo trainer's corpus: a short text written for this project (so it ships with
 * no licence question), about 1.5 KB (30 distinct characters), character-level.
 */
export const DEMO_CORPUS = `the grid is cleaner at some hours than at others. when the wind blows at night and
the sun shines at noon, each kilowatt hour carries fewer grams of carbon than it does
on a still winter evening, when gas and coal plants follow the demand.
a training run does not care when its steps are taken, only that they are all taken
before the deadline. so the scheduler watches the forecast, and when the next hours
look dirty it asks the job to write a checkpoint and to stop. the job saves its
weights, the state of its optimizer, the place it had reached in its data and the
state of its random number generator, and it exits. nothing is lost.
later, when the forecast turns green, the scheduler starts the job again from the
last verified checkpoint. the job reads its weights back, bit for bit, and carries on
as if it had never stopped. the loss curve of the paused run is the same curve,
number for number, as the loss curve of a run that never paused.
a checkpoint is a directory with a manifest. the manifest lists every file with its
size and its hash, so that a file cut short by a crash, or a byte flipped by a bad
disk, is found before anyone resumes from it. a checkpoint that fails is never used;
the one before it is. the ledger records each pause, each resume, each failure, and
the grams of carbon the job did not emit because it waited for a cleaner hour.
the deadline always wins. if the remaining work no longer fits before the deadline,
the job runs now, whatever the grid says, because a missed deadline helps nobody.
`;

/** A character vocabulary and the corpus as token ids. */
export interface Tokenised {
  vocabulary: string[];
  tokens: Int32Array;
}

/** Tokenises `text` by character; the vocabulary is the sorted set of characters. */
export function tokenise(text: string): Tokenised {
  const vocabulary = [...new Set(text)].sort();
  const index = new Map(vocabulary.map((c, i) => [c, i]));
  return { vocabulary, tokens: Int32Array.from(text, (c) => index.get(c) as number) };
}
