/** A setting with a bad value: its message is one line that starts with the setting's name (or flag). */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting} ${message}`);
  }
}
