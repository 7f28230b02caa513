/**
 * Streaming MD5 of a file (the implementation lives in the shared `hashing/md5.ts`, which
 * the sync engine uses too).
 *
 * @module
 */
export { md5Bytes, md5sum, type Md5sumOptions } from "../hashing/md5.ts";
