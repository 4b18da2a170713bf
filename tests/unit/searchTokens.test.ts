import { describe, expect, test } from 'vitest';
import { SNIPPET_MAX, foldWord, searchWords, snippetOf, wordsAt } from '../../src/shared/searchTokens';
import { intBelow, prng } from '../support/prng';

describe('search words', () => {
  test('runs of letters and digits, lower-cased and unaccented; `_` and punctuation separate', () => {
    expect(searchWords('AÇÃO: max_connections=10 Über-Prüfung café CAFE')).toEqual([
      'acao',
      'max',
      'connections',
      '10',
      'uber',
      'prufung',
      'cafe',
    ]);
    expect(searchWords('-- !! $ ')).toEqual([]);
    expect(foldWord('İSTANBUL')).toBe('istanbul');
    // A decomposed accent (e + combining acute) is the same word as the composed one.
    expect(searchWords('cafe\u0301')).toEqual(['cafe']);
    expect(searchWords('日本語 テスト')).toEqual(['日本語', 'テスト']);
  });

  test('ASCII text gives the same words as the general path', () => {
    const random = prng(11);
    const alphabet = 'abcXYZ019 _-./:=|\t"\'$';
    for (let i = 0; i < 500; i++) {
      const text = Array.from(
        { length: intBelow(random, 40) },
        () => alphabet[intBelow(random, alphabet.length)],
      ).join('');
      expect(searchWords(text)).toEqual([...new Set(wordsAt(text).map((w) => w.word))]);
    }
  });

  test('highlights mark every occurrence of the query words, where they stand', () => {
    const { snippet, highlights } = snippetOf('Ação ok; acao! restart rest', ['acao', 'rest']);
    expect(snippet).toBe('Ação ok; acao! restart rest');
    expect(highlights.map((h) => snippet.slice(h.start, h.start + h.length))).toEqual([
      'Ação',
      'acao',
      'rest',
    ]);
  });

  test('a long text is cut around its first match, never inside a surrogate pair', () => {
    const text = `${'😀'.repeat(200)} needle ${'x'.repeat(400)}`;
    const { snippet, highlights } = snippetOf(text, ['needle']);
    expect(snippet.length).toBeLessThanOrEqual(SNIPPET_MAX + 2);
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(highlights).toHaveLength(1);
    expect(snippet.slice(highlights[0]!.start, highlights[0]!.start + highlights[0]!.length)).toBe('needle');
    expect(snippet).not.toMatch(/^…[\udc00-\udfff]/);
  });
});
