/** React (under Ink) reads NODE_ENV once, when first imported: production unless told otherwise. */
export function preferProductionReact(): void {
  process.env.NODE_ENV ??= "production";
}
