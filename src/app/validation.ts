import { HttpError } from "../wire/http-error.js";
import { ConfigError } from "../wire/options.js";
import { mediaTypeEssence } from "./body/media-type.js";
import type { Request } from "./request.js";

/**
 * Standard Schema (https://standardschema.dev): the `~standard` interface that zod, valibot,
 * arktype and others implement, so routes can validate with any of them and slow-serv needs none.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaIssue> };

/** Validators for a route's path parameters, query and body. */
export interface RouteSchemas {
  params?: StandardSchemaV1;
  query?: StandardSchemaV1;
  body?: StandardSchemaV1;
}

type OutputOf<S> = S extends StandardSchemaV1<unknown, infer Output> ? Output : never;

/** The validated values a handler receives in `request.valid`, typed from the schemas. */
export type Validated<S extends RouteSchemas> = {
  readonly [Part in keyof S]: OutputOf<S[Part]>;
};

/** One issue in a 400 response: where (e.g. "body.email") and what. */
export interface ValidationIssue {
  readonly part: "params" | "query" | "body";
  readonly path: string;
  readonly message: string;
}

function isSchema(value: unknown): value is StandardSchemaV1 {
  const standard = (value as { "~standard"?: { version?: unknown; validate?: unknown } } | null)?.[
    "~standard"
  ];
  return standard?.version === 1 && typeof standard.validate === "function";
}

export function checkSchemas(schemas: unknown, where: string): RouteSchemas | undefined {
  if (schemas === undefined) return undefined;
  if (typeof schemas !== "object" || schemas === null) {
    throw new ConfigError(`'schema' of ${where} must be an object like { body: z.object({…}) }`);
  }
  for (const [part, schema] of Object.entries(schemas)) {
    if (part !== "params" && part !== "query" && part !== "body") {
      throw new ConfigError(`Unknown schema part '${part}' in ${where}: use params, query or body`);
    }
    if (!isSchema(schema)) {
      throw new ConfigError(
        `'schema.${part}' of ${where} is not a Standard Schema validator (zod ≥ 3.24, valibot ≥ 1, arktype ≥ 2 all are)`,
      );
    }
  }
  return schemas as RouteSchemas;
}

function issuePath(path: StandardSchemaIssue["path"]): string {
  if (path === undefined) return "";
  return path
    .map((segment) =>
      String(typeof segment === "object" && segment !== null ? segment.key : segment),
    )
    .join(".");
}

async function bodyInput(request: Request): Promise<unknown> {
  // The essence alone, so a form with broken parameters gets form()'s 400, not json()'s 415.
  const type = mediaTypeEssence(request.headers.get("content-type"));
  if (type === "application/x-www-form-urlencoded" || type === "multipart/form-data") {
    return (await request.form()).fields;
  }
  if (type === undefined && request.bodyStream === undefined) return undefined;
  return request.json();
}

/**
 * The before-step that validates a request: every failing part is collected, and the response is
 * a 400 listing the issues; on success `request.valid` holds each schema's output.
 */
export function validationStep(schemas: RouteSchemas): (request: Request) => Promise<void> {
  const parts = (["params", "query", "body"] as const).filter(
    (part) => schemas[part] !== undefined,
  );
  return async (request) => {
    const issues: ValidationIssue[] = [];
    const valid: Record<string, unknown> = {};
    for (const part of parts) {
      const input =
        part === "params"
          ? request.params
          : part === "query"
            ? request.query
            : await bodyInput(request);
      const result = await schemas[part]!["~standard"].validate(input);
      if (result.issues !== undefined) {
        for (const issue of result.issues) {
          issues.push({ part, path: issuePath(issue.path), message: issue.message });
        }
      } else {
        valid[part] = result.value;
      }
    }
    if (issues.length > 0) {
      throw new HttpError(400, "Validation failed", { details: { issues } });
    }
    request.valid = valid;
  };
}
