import type { StandardSchemaIssue, StandardSchemaV1 } from "../../src/index.js";

/**
 * A hand-rolled Standard Schema validator, enough for this demo's forms and JSON. Any library
 * implementing Standard Schema (zod, valibot, arktype) plugs into `schema:` the same way.
 */

interface StringRule {
  /** Shown in messages, e.g. "Name". */
  label: string;
  min?: number;
  max: number;
  /** Missing or empty becomes "" instead of an issue. */
  optional?: boolean;
}

type Shape = Record<string, StringRule>;
type Output<S extends Shape> = { [K in keyof S]: string };

function checkString(value: unknown, rule: StringRule): string | { message: string } {
  if (value === undefined || value === null) {
    return rule.optional ? "" : { message: `${rule.label} is required` };
  }
  if (typeof value !== "string") return { message: `${rule.label} must be text` };
  const text = value.trim();
  if (text === "" && !rule.optional) return { message: `${rule.label} is required` };
  const length = [...text].length;
  if (rule.min !== undefined && length < rule.min && !(rule.optional && text === "")) {
    return { message: `${rule.label} needs at least ${rule.min} characters` };
  }
  if (length > rule.max) {
    return { message: `${rule.label} must be at most ${rule.max} characters (got ${length})` };
  }
  return text;
}

/** An object of trimmed strings; unknown keys are dropped. */
export function stringObject<S extends Shape>(shape: S): StandardSchemaV1<unknown, Output<S>> {
  return {
    "~standard": {
      version: 1,
      vendor: "slow-serv-demo",
      validate(input) {
        if (typeof input !== "object" || input === null || Array.isArray(input)) {
          return { issues: [{ message: "Expected an object" }] };
        }
        const issues: StandardSchemaIssue[] = [];
        const value: Record<string, string> = {};
        for (const [key, rule] of Object.entries(shape)) {
          const checked = checkString((input as Record<string, unknown>)[key], rule);
          if (typeof checked === "string") value[key] = checked;
          else issues.push({ message: checked.message, path: [key] });
        }
        return issues.length > 0 ? { issues } : { value: value as Output<S> };
      },
    },
  };
}

/** Issues keyed by their first path segment, for showing each next to its form field. */
export function issuesByField(
  issues: readonly StandardSchemaIssue[],
): Readonly<Record<string, string>> {
  const byField: Record<string, string> = {};
  for (const issue of issues) {
    const first = issue.path?.[0];
    const key = String(typeof first === "object" && first !== null ? first.key : (first ?? ""));
    byField[key] ??= issue.message;
  }
  return byField;
}

export const guestbookEntryInput = stringObject({
  name: { label: "Name", max: 40 },
  message: { label: "Message", max: 500 },
});

export const noteInput = stringObject({
  title: { label: "title", max: 100 },
  body: { label: "body", max: 2000, optional: true },
});

export const signInInput = stringObject({
  name: { label: "Name", min: 2, max: 40 },
});
