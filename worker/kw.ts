// Placeholder until the barrel exports the engine's own `kw`.
export function kw(name: string): string {
  return name.startsWith(':') ? name : `:${name}`;
}
