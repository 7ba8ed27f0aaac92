"""Summarise py-spy collapsed stacks (``--format raw``): the functions
with the most samples, inclusive (anywhere on the stack) and self (at the
top), as a share of all samples of the file.

    .venv/bin/python bench/pyspy_top.py DIR/conductor.txt [--top 40]
"""

import argparse
import collections


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('files', nargs='+')
    parser.add_argument('--top', type=int, default=40)
    parser.add_argument('--grep', help='only frames containing this')
    args = parser.parse_args()
    for path in args.files:
        inclusive = collections.Counter()
        own = collections.Counter()
        total = 0
        with open(path) as f:
            for line in f:
                stack, _, count = line.rstrip('\n').rpartition(' ')
                if not stack:
                    continue
                count = int(count)
                frames = stack.split(';')
                total += count
                for frame in set(frames):
                    inclusive[frame] += count
                own[frames[-1]] += count
        print('== %s: %d samples' % (path, total))
        for title, counter in (('inclusive', inclusive), ('self', own)):
            print('-- %s' % title)
            shown = 0
            for frame, count in counter.most_common():
                if args.grep and args.grep not in frame:
                    continue
                print('%5.1f%%  %s' % (100.0 * count / total, frame))
                shown += 1
                if shown >= args.top:
                    break
            print()


if __name__ == '__main__':
    main()
