namespace PluginMesh.Deploy.Tests.Rendering;

/// <summary>One piece of a Go template: literal text, or the body of a <c>{{ ... }}</c> action (trim markers removed).</summary>
public readonly record struct TemplateToken(bool IsAction, string Text);
