// Canvas text and lines take their colours from VS Code's theme variables, read
// at draw time so a theme switch is picked up on the next redraw.

export interface ThemeColors { foreground: string; muted: string; background: string; border: string; focus: string; font: string }

export function themeColors(): ThemeColors {
  const s = getComputedStyle(document.body);
  const v = (name: string, fallback: string): string => s.getPropertyValue(name).trim() || fallback;
  return {
    foreground: v('--vscode-foreground', '#cccccc'),
    muted: v('--vscode-descriptionForeground', '#9d9d9d'),
    background: v('--vscode-editor-background', '#1e1e1e'),
    border: v('--vscode-panel-border', '#80808059'),
    focus: v('--vscode-focusBorder', '#007fd4'),
    font: v('--vscode-font-family', 'system-ui, sans-serif'),
  };
}
