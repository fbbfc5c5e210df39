// Word-level tokenizer. The vocabulary is the special tokens followed by every word of the
// examples, sorted, so the same examples always give the same ids. Saved with every checkpoint.
//
// Words: lower-case, split on whitespace; '?', ',' and a sentence '.' are tokens of their own
// ("3.5" stays one word). decode() joins words with spaces and puts punctuation back against the
// word before it, so normalize(text) = decode(encode(text)) for known words.

import { Example } from './example';

/** `grown_from`: the vocabulary size of the base this one extends (its later ids are the data's new words). */
export interface TokenizerJson { version: 1; words: string[]; grown_from?: number }

const WORD = /\d+(?:\.\d+)+|[^\s?.,]+|[?.,]/g;
const PUNCTUATION = new Set(['?', '.', ',']);

export class Tokenizer {
  static readonly SPECIAL = ['<pad>', '<bos>', '<eos>', '<img>', '<lat>', '<latent>', '</latent>', '<unk>', '<sep>'] as const;
  static readonly PAD = 0;
  static readonly BOS = 1;
  static readonly EOS = 2;
  static readonly IMG = 3;
  static readonly LAT = 4;
  static readonly LAT_START = 5;
  static readonly LAT_END = 6;
  static readonly UNK = 7;
  static readonly SEP = 8;

  readonly size: number;
  private readonly vocab: readonly string[];        // id → token
  private readonly ids: Map<string, number>;        // token → id

  private constructor(private readonly wordList: readonly string[], private readonly grownFrom?: number) {
    this.vocab = [...Tokenizer.SPECIAL, ...wordList];
    this.ids = new Map(this.vocab.map((w, i) => [w, i]));
    this.size = this.vocab.length;
  }

  /** Ids this vocabulary added to its base's (extendedWith): rows the base never trained. */
  grownIds(): number[] {
    if (this.grownFrom === undefined) return [];
    return Array.from({ length: this.size - this.grownFrom }, (_, i) => this.grownFrom! + i);
  }

  /** Words of a text: lower-case, punctuation split off. */
  static words(text: string): string[] {
    return text.toLowerCase().match(WORD) ?? [];
  }

  /** The canonical spelling of a text: what decode(encode(text)) gives when every word is known. */
  static normalize(text: string): string {
    return Tokenizer.join(Tokenizer.words(text));
  }

  private static join(words: readonly string[]): string {
    let out = '';
    for (const w of words) out += out === '' || PUNCTUATION.has(w) ? w : ` ${w}`;
    return out;
  }

  /** Vocabulary from questions, choices, answers and rationales. */
  static fromExamples(examples: readonly Example[]): Tokenizer {
    const special = new Set<string>(Tokenizer.SPECIAL);
    return new Tokenizer([...wordsOf(examples)].filter((w) => !special.has(w)).sort());
  }

  /**
   * This vocabulary plus every word of `examples` it lacks, appended (sorted) after
   * the existing ids so a base model's rows keep their meaning: a fine-tune's data
   * grows the vocabulary instead of turning its new words into <unk>.
   */
  extendedWith(examples: readonly Example[]): { tokenizer: Tokenizer; added: string[] } {
    const added = [...wordsOf(examples)].filter((w) => !this.ids.has(w)).sort();
    return { tokenizer: added.length ? new Tokenizer([...this.wordList, ...added], this.size) : this, added };
  }

  static fromJSON(json: TokenizerJson): Tokenizer {
    if (!json || json.version !== 1 || !Array.isArray(json.words)) {
      throw new Error(`tokenizer: expected {version: 1, words: [...]}, got version ${JSON.stringify(json?.version)}; the checkpoint was written by another version of Latent Lab`);
    }
    const seen = new Set<string>(Tokenizer.SPECIAL);
    for (const w of json.words) {
      if (typeof w !== 'string' || w === '' || seen.has(w)) throw new Error(`tokenizer: invalid or duplicate word ${JSON.stringify(w)} in the saved vocabulary`);
      seen.add(w);
    }
    const g = json.grown_from;
    const size = Tokenizer.SPECIAL.length + json.words.length;
    if (g !== undefined && !(Number.isInteger(g) && g >= Tokenizer.SPECIAL.length && g <= size)) {
      throw new Error(`tokenizer: grown_from ${JSON.stringify(g)} is not a vocabulary size between ${Tokenizer.SPECIAL.length} and ${size}; the checkpoint's tokenizer.json was edited or damaged`);
    }
    return new Tokenizer(json.words.slice(), g);
  }

  toJSON(): TokenizerJson {
    return { version: 1, words: this.wordList.slice(), ...(this.grownFrom !== undefined ? { grown_from: this.grownFrom } : {}) };
  }

  /** Id of one token (a word or a special token); <unk> when unknown (evaluation never scores <unk> correct). */
  id(word: string): number {
    return this.ids.get(word) ?? Tokenizer.UNK;
  }

  /** The token string of an id. */
  token(id: number): string {
    const t = this.vocab[id];
    if (t === undefined) throw new Error(`tokenizer: id ${id} is outside the vocabulary (size ${this.size})`);
    return t;
  }

  words(text: string): string[] {
    return Tokenizer.words(text);
  }

  encode(text: string): number[] {
    return Tokenizer.words(text).map((w) => this.id(w));
  }

  /** Text of ids; <pad>, <bos> and <eos> are dropped, other special tokens are kept as written. */
  decode(ids: readonly number[]): string {
    const words: string[] = [];
    for (const id of ids) {
      if (id === Tokenizer.PAD || id === Tokenizer.BOS || id === Tokenizer.EOS) continue;
      words.push(this.token(id));
    }
    return Tokenizer.join(words);
  }
}

function wordsOf(examples: readonly Example[]): Set<string> {
  const words = new Set<string>();
  const add = (text: string): void => Tokenizer.words(text).forEach((w) => words.add(w));
  for (const ex of examples) {
    add(ex.question);
    add(ex.answer);
    ex.choices?.forEach(add);
    ex.rationale.forEach(add);
  }
  return words;
}
