/** One buyer's feedback on a delivered order, as the report counts it. */
export interface FeedbackFigures {
  sku: string;
  rating: number;
  instructionsClear?: boolean;
}

export interface SkuFeedback {
  sku: string;
  responses: number;
  averageRating: number;
  /** Of the buyers who said whether the instructions were clear, the share who said no; null when none said. */
  unclearInstructionsShare: number | null;
}

/**
 * Feedback per product, worst first: the lowest average rating, then the larger share of buyers who
 * found the instructions unclear, then the most responses.
 */
export function feedbackBySku(rows: Iterable<FeedbackFigures>): SkuFeedback[] {
  const skus = new Map<string, { responses: number; ratingSum: number; answered: number; unclear: number }>();
  for (const row of rows) {
    const s = skus.get(row.sku) ?? { responses: 0, ratingSum: 0, answered: 0, unclear: 0 };
    s.responses += 1;
    s.ratingSum += row.rating;
    if (row.instructionsClear !== undefined && row.instructionsClear !== null) {
      s.answered += 1;
      if (!row.instructionsClear) s.unclear += 1;
    }
    skus.set(row.sku, s);
  }
  return [...skus.entries()]
    .map(([sku, s]) => ({
      sku,
      responses: s.responses,
      averageRating: round(s.ratingSum / s.responses, 2),
      unclearInstructionsShare: s.answered === 0 ? null : round(s.unclear / s.answered, 4),
    }))
    .sort(
      (a, b) =>
        a.averageRating - b.averageRating ||
        (b.unclearInstructionsShare ?? -1) - (a.unclearInstructionsShare ?? -1) ||
        b.responses - a.responses ||
        (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0),
    );
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
