"""Tokenising and vocabulary helpers: plain Python, nothing for the linter to look at."""
import collections
import re

_WORD = re.compile(r"\w+|[^\w\s]")


def tokenize(line):
    """The words and punctuation of ``line``, lower-cased."""
    return _WORD.findall(line.lower())


class Vocabulary:
    def __init__(self, lines, min_count=2, reserved=("<pad>", "<unk>")):
        counts = collections.Counter(word for line in lines for word in tokenize(line))
        self.words = list(reserved) + sorted(w for w, n in counts.items() if n >= min_count)
        self.ids = {word: i for i, word in enumerate(self.words)}

    def __len__(self):
        return len(self.words)

    def encode(self, line):
        unknown = self.ids["<unk>"]
        return [self.ids.get(word, unknown) for word in tokenize(line)]

    def decode(self, ids):
        return " ".join(self.words[i] for i in ids if i)


def pad(sequences, length, value=0):
    """Each sequence cut or padded to ``length``."""
    out = []
    for sequence in sequences:
        sequence = list(sequence)[:length]
        out.append(sequence + [value] * (length - len(sequence)))
    return out


def batches(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]
