/**
 * The items of a peer's paged JSON listing, streamed: `{"<list>": [item, …], …}` (one page), pages
 * following each other (what a loop appending each answer to one file gives), or an array of pages.
 * Only one item is held at a time, whatever the file's size. JSON is UTF-8 (RFC 8259 §8.1): an item
 * holding a byte that is not is yielded as invalid, naming its key; such a byte outside every item fails
 * the file, naming its offset.
 */
import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
import type { ParsedElementInfo, ParsedTokenInfo } from '@streamparser/json';
import { hexByte, Utf8Guard, withoutBom, type BadByte } from './utf8.js';
import { UnreadableFile } from './record.js';

/** One item of the listing, by its 1-based index among all items of the file. */
export type JsonItem = { index: number; value: unknown } | { index: number; invalid: string };

/** A bad byte and, once its string has been read, that string (to name the key holding it). */
interface Poison extends BadByte {
  text?: string;
}

/** What a reader asks for: the key of the item list and how the format is named in errors. */
export interface JsonListing {
  /** The key of the array of items in each page (`links` for Bitly, `data` for Kutt). */
  listKey: string;
  /** The format's name for the error thrown when the file is not it ("a Bitly API JSON page"). */
  format: string;
}

/** The key of `item` whose name or (nested) value is the string `text`, or null. */
function keyHolding(item: unknown, text: string): string | null {
  if (item === null || typeof item !== 'object') return null;
  const holds = (value: unknown): boolean =>
    value === text || (value !== null && typeof value === 'object' && Object.values(value).some(holds));
  for (const [key, value] of Object.entries(item)) {
    if (key === text || holds(value)) return key;
  }
  return null;
}

/** Streams the items of `listing.listKey` in every page of the input, in file order. */
export async function* readJsonItems(input: AsyncIterable<Uint8Array>, listing: JsonListing): AsyncIterable<JsonItem> {
  const { listKey, format } = listing;
  const guard = new Utf8Guard();
  // '' lets pages follow each other with nothing (or only white space) between them.
  const tokenizer = new Tokenizer({ separator: '' });
  const parser = new TokenParser({ paths: [`$.${listKey}.*`, `$.*.${listKey}.*`], keepStack: false, separator: '' });
  const poisons: Poison[] = [];
  const ready: JsonItem[] = [];
  const opened: number[] = [];
  let stray: Poison | null = null;
  let index = 0;
  let itemStart = 0;
  let itemEnd = 0;
  let lastString: { offset: number; value: string; depth: number } | null = null;
  let sawList = false;

  guard.onBad = (bad) => { poisons.push({ ...bad }); };
  // An item is settled once its bytes are all known: an object or array at its closing token, a bare
  // value (a string may hold bad bytes too) at the token after it.
  let bare: { index: number; value: unknown; start: number } | null = null;
  const settle = (item: number, value: unknown, start: number, end: number): void => {
    while (poisons.length > 0 && poisons[0]!.offset < start) stray ??= poisons.shift()!;
    const inside = poisons.length > 0 && poisons[0]!.offset <= end ? poisons[0]! : null;
    if (!inside) {
      ready.push({ index: item, value });
      return;
    }
    // One message an item: its first bad byte.
    while (poisons.length > 0 && poisons[0]!.offset <= end) poisons.shift();
    const key = inside.text === undefined ? null : keyHolding(value, inside.text);
    ready.push({ index: item, invalid: `byte ${hexByte(inside.byte)}${key ? ` in key ${key}` : ''} is not UTF-8` });
  };
  const settleBare = (end: number): void => {
    if (bare) settle(bare.index, bare.value, bare.start, end);
    bare = null;
  };
  // A string's token comes when it closes, and carries where it opened: a bad byte before the next
  // token's start lies in the last string.
  const nameStrings = (before: number): void => {
    const last = lastString;
    if (!last) return;
    for (const poison of poisons) if (poison.text === undefined && poison.offset < before && last.offset < poison.offset) poison.text = last.value;
  };
  tokenizer.onToken = (token: ParsedTokenInfo) => {
    nameStrings(token.offset);
    settleBare(token.offset - 1);
    if (token.token === TokenType.COLON && lastString && lastString.value === listKey && lastString.depth <= 2) sawList = true;
    lastString = token.token === TokenType.STRING ? { offset: token.offset, value: String(token.value), depth: opened.length } : null;
    if (token.token === TokenType.LEFT_BRACE || token.token === TokenType.LEFT_BRACKET) opened.push(token.offset);
    else itemStart = token.token === TokenType.RIGHT_BRACE || token.token === TokenType.RIGHT_BRACKET ? opened.pop() ?? token.offset : token.offset;
    itemEnd = token.offset;
    parser.write(token);
  };
  parser.onValue = ({ value }: ParsedElementInfo) => {
    index++;
    if (value !== null && typeof value === 'object') settle(index, value, itemStart, itemEnd);
    else bare = { index, value, start: itemStart };
  };
  parser.onError = (error) => tokenizer.error(error);
  tokenizer.onEnd = () => { if (!parser.isEnded) parser.end(); };

  const strayError = (bad: BadByte): Error =>
    new UnreadableFile(`not ${format}: byte ${hexByte(bad.byte)} at offset ${bad.offset + (found.bom ? 3 : 0)}, outside every item, is not UTF-8`);
  const feed = (bytes: Uint8Array): void => {
    try {
      if (bytes.length > 0) tokenizer.write(bytes);
    } catch (error) {
      throw new UnreadableFile(`not ${format}: ${(error as Error).message}`);
    }
    if (stray) throw strayError(stray);
  };
  const found = { bom: false };
  for await (const chunk of withoutBom(input, found)) {
    feed(guard.write(chunk));
    yield* ready.splice(0);
  }
  feed(guard.end());
  try {
    tokenizer.end();
  } catch (error) {
    throw new UnreadableFile(`not ${format}: ${(error as Error).message}`);
  }
  nameStrings(Infinity);
  settleBare(Infinity);
  yield* ready.splice(0);
  stray ??= poisons[0] ?? null;
  if (stray) throw strayError(stray);
  if (!sawList) throw new UnreadableFile(`not ${format}: no key named ${listKey}`);
}
