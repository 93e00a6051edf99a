/** Pure presentation: a View as Ink elements (sections in two columns, the traffic chart below). */
import { Box, Text } from "ink";
import type { Line, Section, Tone, View } from "./model.js";

const COLOR: Record<Tone, string | undefined> = {
  ok: "green",
  bad: "red",
  warn: "yellow",
  dim: "gray",
  plain: undefined,
};

function Lines({ section }: { section: Section }) {
  return (
    <Box flexDirection="column" marginBottom={1} flexGrow={1} flexBasis={0}>
      <Text bold underline>
        {section.title}
      </Text>
      {section.lines.map((l: Line, i: number) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity but their place
        <Text key={i} color={COLOR[l.tone]} wrap="truncate-end">
          {l.text}
        </Text>
      ))}
    </Box>
  );
}

/** The view's rows (one or two sections side by side), then the traffic chart. */
export function WatchScreen({ view }: { view: View }) {
  return (
    <Box flexDirection="column">
      <Text inverse bold>
        {` ${view.title} `}
      </Text>
      {view.rows.map((row) => (
        <Box key={row.map((s) => s.title).join("|")} flexDirection="row" columnGap={2}>
          {row.map((s) => (
            <Lines key={s.title} section={s} />
          ))}
        </Box>
      ))}
      {view.chart.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: chart rows are positional
        <Text key={i} wrap="truncate-end">
          {l}
        </Text>
      ))}
    </Box>
  );
}
