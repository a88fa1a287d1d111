"""Generate ``spam.csv``: a SYNTHETIC spam-features table (no real e-mail behind it).

Every row is an invented message described by 14 numeric features in the style of the
classic UCI *Spambase* table; the label ``is_spam`` (1 = spam, 0 = ham) is drawn from a
known probability, so the best achievable accuracy is known too. It is the running
example of lessons 07 and 08.

Features (in file order)
------------------------
- ``word_freq_free``, ``word_freq_money``, ``word_freq_click``: percentage of words
  that are "free", "money", "click" (0 in most messages; 2 decimals).
- ``word_freq_meeting``: percentage of words that are "meeting" (a ham word; 2 decimals).
- ``char_freq_exclaim``, ``char_freq_dollar``: percentage of characters that are "!"
  and "$" (3 decimals).
- ``capital_run_length_average``: mean length of runs of capital letters (>= 1).
- ``capital_run_length_longest``: longest run of capital letters (int).
- ``num_links``: number of links in the message (int).
- ``sender_in_contacts``: 1 if the sender is in the recipient's address book, else 0.
- ``hour_sent``: hour of the day the message was sent, 0-23.
- ``message_length``: number of words (int).
- ``num_recipients``: number of addressees (int >= 1).
- ``has_attachment``: 1 if the message carries an attachment, else 0.

A hidden "promotional" factor makes the word, "!", "$", capitals and link features
correlated with one another, as in real mail.

How the label is drawn
----------------------
``P(spam) = sigmoid(score)`` with, writing ``L = log1p``::

    score = -7.0 + 1.5 L(free) + 1.5 L(money) + 1.4 L(click) - 2.0 L(meeting)
            + 1.8 L(exclaim) + 3.0 L(dollar) + 0.9 log(cap_avg) + 0.4 L(cap_longest)
            + 3.3 L(money) L(exclaim)                          # interaction
            + 6.5 L(num_links) (1 - 2 sender_in_contacts)      # interaction, sign flips
            - 2.2 sender_in_contacts
            + 8.8 night(hour_sent)                             # non-monotonic
            + 0.9 log(num_recipients) - 0.55 log(message_length) - 0.7 has_attachment

where ``night(h) = max(0, cos(2 pi (h - 1) / 24)) ** 2`` peaks at 1 am. Links push
towards spam from unknown senders and towards ham from contacts, so ``num_links`` alone
says little: a linear model misses that and the night bump, a small network can learn
them. The score is computed from the rounded values written to the file.

Class balance and difficulty (4000 rows, seed 2024): about 25% spam (the minority
class); the Bayes-optimal classifier gets about 94-95% accuracy, standardized logistic
regression about 89-90%, a one-hidden-layer network about 93-94%.

Deterministic: the same seed gives a byte-identical file (numpy ``default_rng``, fixed
decimals, ``\\n`` line endings). Usage::

    python datasets/make_spam.py [OUTPUT]     # default: spam.csv next to this script
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

SEED = 2024
N_ROWS = 4000

# (column name, printf format)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("word_freq_free", "{:.2f}"),
    ("word_freq_money", "{:.2f}"),
    ("word_freq_click", "{:.2f}"),
    ("word_freq_meeting", "{:.2f}"),
    ("char_freq_exclaim", "{:.3f}"),
    ("char_freq_dollar", "{:.3f}"),
    ("capital_run_length_average", "{:.2f}"),
    ("capital_run_length_longest", "{:d}"),
    ("num_links", "{:d}"),
    ("sender_in_contacts", "{:d}"),
    ("hour_sent", "{:d}"),
    ("message_length", "{:d}"),
    ("num_recipients", "{:d}"),
    ("has_attachment", "{:d}"),
)
TARGET = "is_spam"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def generate(n: int = N_ROWS, seed: int = SEED) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Return ``(features, is_spam)``: a dict of columns (file order) and 0/1 labels."""
    rng = np.random.default_rng(seed)
    promo = rng.normal(size=n)  # hidden "promotional" factor shared by several features

    def sparse_freq(p_base: float, scale: float, decimals: int) -> np.ndarray:
        """Mostly zero; when present, exponential. Both more likely for promotional mail."""
        logit = np.log(p_base / (1 - p_base)) + 0.9 * promo
        present = rng.random(n) < _sigmoid(logit)
        value = rng.exponential(scale, n) * np.exp(0.3 * promo)
        return np.round(np.where(present, value, 0.0), decimals)

    free = sparse_freq(0.25, 0.6, 2)
    money = sparse_freq(0.20, 0.5, 2)
    click = sparse_freq(0.20, 0.4, 2)
    meeting_present = rng.random(n) < _sigmoid(-1.0 - 0.6 * promo)
    meeting = np.round(np.where(meeting_present, rng.exponential(0.5, n), 0.0), 2)
    exclaim = sparse_freq(0.45, 0.25, 3)
    dollar = sparse_freq(0.20, 0.12, 3)
    cap_avg = np.round(1.0 + rng.lognormal(0.3 + 0.25 * promo, 0.6), 2)
    cap_longest = np.maximum(
        np.ceil(cap_avg), np.round(cap_avg * rng.lognormal(1.2, 0.8, n))
    ).astype(np.int64)
    contact = (rng.random(n) < 0.5).astype(np.int64)
    links = rng.poisson(np.exp(0.3 + 0.4 * promo + rng.normal(0.0, 0.5, n))).astype(np.int64)
    hour = rng.integers(0, 24, n).astype(np.int64)
    length = (np.round(rng.lognormal(4.6, 0.8, n)) + 5).astype(np.int64)
    recipients = rng.geometric(0.55, n).astype(np.int64)
    attachment = (rng.random(n) < 0.15).astype(np.int64)

    lg = np.log1p
    night = np.maximum(0.0, np.cos(2 * np.pi * (hour - 1) / 24)) ** 2
    score = (
        -7.0
        + 1.5 * lg(free)
        + 1.5 * lg(money)
        + 1.4 * lg(click)
        - 2.0 * lg(meeting)
        + 1.8 * lg(exclaim)
        + 3.0 * lg(dollar)
        + 0.9 * np.log(cap_avg)
        + 0.4 * lg(cap_longest)
        + 3.3 * lg(money) * lg(exclaim)
        + 6.5 * lg(links) * (1 - 2 * contact)
        - 2.2 * contact
        + 8.8 * night
        + 0.9 * np.log(recipients)
        - 0.55 * np.log(length)
        - 0.7 * attachment
    )
    is_spam = (rng.random(n) < _sigmoid(score)).astype(np.int64)

    values = (free, money, click, meeting, exclaim, dollar, cap_avg, cap_longest, links,
              contact, hour, length, recipients, attachment)
    features = {name: v for (name, _), v in zip(COLUMNS, values, strict=True)}
    return features, is_spam


def to_csv(features: dict[str, np.ndarray], is_spam: np.ndarray) -> bytes:
    """The file's bytes: a header row, then one row per message, ``\\n`` line endings."""
    formats = [fmt for _, fmt in COLUMNS]
    columns = [features[name].tolist() for name, _ in COLUMNS]
    lines = [",".join([name for name, _ in COLUMNS] + [TARGET])]
    for i, label in enumerate(is_spam.tolist()):
        cells = [fmt.format(col[i]) for fmt, col in zip(formats, columns, strict=True)]
        lines.append(",".join([*cells, str(label)]))
    return ("\n".join(lines) + "\n").encode("ascii")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the synthetic spam.csv.")
    parser.add_argument("output", nargs="?", type=Path,
                        default=Path(__file__).resolve().parent / "spam.csv")
    args = parser.parse_args(argv)
    features, is_spam = generate()
    args.output.write_bytes(to_csv(features, is_spam))
    print(f"wrote {args.output}: {len(is_spam)} rows, {is_spam.mean():.1%} spam")


if __name__ == "__main__":
    main()
