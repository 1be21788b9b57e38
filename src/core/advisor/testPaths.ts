// Test data and recorded outputs: mocks of regions and models in unit tests, fixtures, golden
// files and saved `gcloud ... describe` output are not configs anyone runs. Skipped by default
// (carbonlens.advisor.includeTests, scan --include-tests).

const TEST_DIR =
  /(^|[\\/])(tests?|testdata|test_data|testing|fixtures?|__fixtures__|__tests__|__mocks__|mocks?|golden|goldens|testfiles|spec)([\\/])/i;
const TEST_FILE =
  /(^test_[^\\/]*\.py|_test\.(go|py)|\.(test|spec)\.[cm]?[jt]sx?|\.golden|\.snap|[._-]golden\.(json|ya?ml)|^conftest\.py)$/i;

/** A path (relative to the scanned root, or absolute) of test data. */
export function isTestPath(fileName: string): boolean {
  const name = fileName.split(/[\\/]/).pop() ?? '';
  return TEST_DIR.test(fileName) || TEST_FILE.test(name);
}

/** Saved API output (`gcloud ... describe`, `aws ... describe-*`, `az ... show`, `kubectl get -o yaml`). */
export function isRecordedOutput(text: string): boolean {
  const head = text.slice(0, 20_000);
  return (
    /["']?selfLink["']?\s*:\s*["']?https:\/\/(www|compute|container)\.googleapis\.com\//.test(head) ||
    /["']?kind["']?\s*:\s*["']?compute#/.test(head) ||
    // `aws ... describe-*` and `az ... show` output.
    /"(ResponseMetadata|Reservations)"\s*:/.test(head) ||
    /"id"\s*:\s*"\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\//i.test(head) ||
    /["']?creationTimestamp["']?\s*:\s*["']?\d{4}-\d\d-\d\dT[^\n]*\n[\s\S]{0,2000}["']?(resourceVersion|uid)["']?\s*:/.test(
      head,
    )
  );
}
