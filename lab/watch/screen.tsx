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

/** Nodes|Database, Services, Backups|Alerts, Drill, Traffic: fits 120x45 with three nodes. */
export function WatchScreen({ view }: { view: View }) {
  const by = (title: string) => view.sections.find((s) => s.title.startsWith(title));
  const pair = (a?: Section, b?: Section) => (
    <Box flexDirection="row" columnGap={2}>
      {a ? <Lines section={a} /> : null}
      {b ? <Lines section={b} /> : null}
    </Box>
  );
  const services = by("Services");
  const drill = by("Drill");
  const traffic = by("Traffic");
  return (
    <Box flexDirection="column">
      <Text inverse bold>
        {` ${view.title} `}
      </Text>
      {pair(by("Nodes"), by("Database"))}
      {services ? <Lines section={services} /> : null}
      {pair(by("Backups"), by("Alerts"))}
      {drill ? <Lines section={drill} /> : null}
      {traffic ? <Lines section={traffic} /> : null}
      {view.chart.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: chart rows are positional
        <Text key={i} wrap="truncate-end">
          {l}
        </Text>
      ))}
    </Box>
  );
}
