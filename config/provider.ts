/**
 * {@linkcode ConfigProvider}: one shared configuration instance per provider.
 *
 * @module
 */
import { cloneDeep, deepEqual } from "./_objects.ts";
import type { ConfigurationBase, ConfigurationOptions } from "./configuration.ts";

/**
 * Options of {@linkcode ConfigProvider.prototype.getConfig}: those of the configuration class,
 * plus `reload`.
 *
 * @example
 * ```ts
 * import type { GetConfigOptions } from "accsr/config";
 * const options: GetConfigOptions = { configDirectory: "./project", reload: true };
 * ```
 */
export type GetConfigOptions = ConfigurationOptions & {
  /**
   * Build a new instance even when the options are unchanged (e.g. after editing a file).
   * @default {false}
   */
  reload?: boolean;
};

/**
 * Keeps one instance of a configuration class: {@linkcode ConfigProvider.prototype.getConfig}
 * returns the same instance until it is called with `reload: true` or with options that
 * differ (by deep equality, `reload` aside) from those of the cached instance. Each provider
 * has its own instance.
 *
 * @typeParam T The configuration class.
 *
 * @example
 * ```ts
 * import { ConfigProvider } from "accsr/config";
 * import { DefaultDataConfiguration } from "accsr/config";
 *
 * class Config extends DefaultDataConfiguration {}
 * const provider = new ConfigProvider(Config);
 * export function getConfig(reload = false): Config {
 *   return provider.getConfig({ configDirectory: import.meta.dirname, reload });
 * }
 * ```
 */
export class ConfigProvider<T extends ConfigurationBase> {
  readonly #configClass: new (options?: ConfigurationOptions) => T;
  #instance?: T;
  #options?: ConfigurationOptions;

  /**
   * Creates a provider of instances of `configClass`; nothing is read until
   * {@linkcode ConfigProvider.prototype.getConfig}.
   *
   * @param configClass The configuration class to instantiate.
   */
  constructor(configClass: new (options?: ConfigurationOptions) => T) {
    if (typeof configClass !== "function") {
      throw new TypeError("ConfigProvider needs a configuration class, e.g. new ConfigProvider(C)");
    }
    this.#configClass = configClass;
  }

  /**
   * The cached instance, or a new one built with `options` (minus `reload`) when there is none
   * yet, `reload` is true, or the options differ from the cached instance's.
   *
   * @param options The configuration options, and `reload`.
   * @returns The configuration.
   *
   * @example
   * ```ts
   * import { ConfigProvider } from "accsr/config";
   * import { ConfigurationBase } from "accsr/config";
   * const provider = new ConfigProvider(ConfigurationBase);
   * const a = provider.getConfig({ configDirectory: "./project" });
   * console.log(a === provider.getConfig({ configDirectory: "./project" })); // true
   * console.log(a === provider.getConfig({ configDirectory: "./project", reload: true })); // false
   * ```
   */
  getConfig(options: GetConfigOptions = {}): T {
    const { reload = false, ...rest } = options;
    if (this.#instance === undefined || reload || !deepEqual(rest, this.#options)) {
      const instance = new this.#configClass(rest);
      this.#instance = instance;
      this.#options = cloneDeep(rest);
    }
    return this.#instance;
  }
}
