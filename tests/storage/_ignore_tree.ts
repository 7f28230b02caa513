/**
 * A tree with nested `.accsrignore` files (shared by the ignore and mirror tests).
 *
 * @module
 */

/** A tree with ignore files at three levels, negations, `**`, trailing `/` and comments. */
export const IGNORE_TREE: Record<string, string> = {
  ".accsrignore": [
    "# caches and scratch",
    "*.tmp",
    "__pycache__/",
    "/scratch",
    "logs/**/*.log",
    "!logs/**/important.log",
    "",
  ].join("\n"),
  "a.txt": "a",
  "b.tmp": "b",
  "scratch/x.txt": "x",
  "keep/scratch/y.txt": "y", // "/scratch" is anchored at the root
  "__pycache__/m.pyc": "m",
  "pkg/__pycache__/n.pyc": "n",
  "pkg/mod.py": "p",
  "logs/2024/run.log": "r",
  "logs/2024/important.log": "i",
  "sub/.accsrignore": "!keep.tmp\nout/\n*.csv\n!/results.csv\n",
  "sub/keep.tmp": "k",
  "sub/drop.tmp": "d",
  "sub/out/o.txt": "o",
  "sub/data.csv": "c",
  "sub/results.csv": "r",
  "sub/deeper/results.csv": "r",
  "sub/deeper/.accsrignore": "!*.csv\n",
  "sub/deeper/more/t.csv": "t",
  "[odd]/.accsrignore": "*.bin\n",
  "[odd]/x.bin": "x",
  "[odd]/x.txt": "x",
};

/** Files of {@linkcode IGNORE_TREE} a push keeps (the ignore files themselves included). */
export const IGNORE_TREE_KEPT: string[] = [
  ".accsrignore",
  "[odd]/.accsrignore",
  "[odd]/x.txt",
  "a.txt",
  "keep/scratch/y.txt",
  "logs/2024/important.log",
  "pkg/mod.py",
  "sub/.accsrignore",
  "sub/deeper/.accsrignore",
  "sub/deeper/more/t.csv",
  "sub/deeper/results.csv",
  "sub/keep.tmp",
  "sub/results.csv",
];
