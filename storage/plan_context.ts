/**
 * The context both planners (push and pull) and their helpers share.
 *
 * @module
 */
import type { HashCache } from "./hashing.ts";
import type { TransferFilters } from "./filters.ts";
import type { PathPattern } from "./patterns.ts";
import type { SyncEvents } from "./progress.ts";
import type { RemoteObject } from "./summary.ts";
import type { ObjectStore } from "./stores/types.ts";

/**
 * Options shared by both planners.
 *
 * @example
 * ```ts
 * import type { PlanContext } from "./plan_context.ts";
 * import { MemoryStore } from "accsr/storage";
 * const ctx: PlanContext = { store: new MemoryStore("b"), basePath: "", events: {}, concurrency: 4 };
 * ```
 */
export interface PlanContext {
  store: ObjectStore;
  basePath: string;
  includeRegex?: PathPattern | null;
  excludeRegex?: PathPattern | null;
  remoteHashExtractor?: (o: RemoteObject) => string | undefined;
  events: SyncEvents;
  signal?: AbortSignal;
  /** Parallel hashing / head requests. */
  concurrency: number;
  /** Set by the planner: the hash cache of the scanned folder, for the transfers to fill. */
  hashCache?: HashCache;
  /** Honour `.accsrignore` files. @default {true} */
  ignoreFiles?: boolean;
  /** Mirror: plan deletions of what the source lacks below the path. @default {false} */
  delete?: boolean;
  /** With `delete`: more planned deletions refuse the transaction. */
  maxDelete?: number;
  /** Set by the pull planner with `delete`: the local folder mirrored. */
  mirrorRoot?: string;
  /** Size, age and list filters (see `filters.ts`). */
  filters?: TransferFilters;
  /** Push: symbolic links (see `PushOptions.followSymlinks`). */
  followSymlinks?: boolean;
}
