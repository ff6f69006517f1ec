// Circuit pictures: the SVG is well-formed XML with one box per node and one line per edge, the dot text names every
// node and edge, and the file is chosen by extension.
using System.Xml.Linq;
using static Interp.Circuits.Tests.TestSupport;

namespace Interp.Circuits.Tests.Rendering;

public class CircuitPictureTests
{
    private static Circuit Sample()
    {
        var n = NodeUniverse.Heads(TinyConfig(3)).Nodes.ToArray();
        return Circuit.Of("heads", new[] { n[0], n[3], n[5] }).WithEdges(new[]
        {
            new CircuitEdge(n[0].Id, n[3].Id, 0.5), new CircuitEdge(n[3].Id, n[5].Id, -0.2), new CircuitEdge(n[0].Id, n[5].Id, 0.05),
        });
    }

    [Fact]
    public void Svg_OneBoxPerNodeOneLinePerEdge()
    {
        var c = Sample();
        var svg = XDocument.Parse(CircuitPicture.Svg(c, new Dictionary<string, double> { ["L0.H0"] = 1.5 }, "ioi & <heads>"));
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(c.Nodes.Count, svg.Descendants(ns + "g").Count());
        var lines = svg.Descendants(ns + "line").ToArray();
        Assert.Equal(3, lines.Length);
        Assert.Equal("#dc2626", lines[1].Attribute("stroke")!.Value);        // the negative edge is red
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "+1.500");
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "ioi & <heads>");
        // layer 0 is drawn below layer 2
        double Y(string id) => double.Parse(svg.Descendants(ns + "g").Single(g => g.Element(ns + "title")!.Value == id).Element(ns + "rect")!.Attribute("y")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Y("L0.H0") > Y("L2.H1"));
    }

    [Fact]
    public void Dot_NamesEveryNodeAndEdge()
    {
        var dot = CircuitPicture.Dot(Sample());
        Assert.StartsWith("digraph circuit {", dot);
        foreach (var id in new[] { "L0.H0", "L1.H1", "L2.H1" }) Assert.Contains($"\"{id}\" [label=", dot);
        Assert.Contains("\"L0.H0\" -> \"L1.H1\" [label=\"+0.500\"", dot);
    }

    [Fact]
    public void Write_ByExtension_AndRefusesOthers()
    {
        using var tmp = new TempDir();
        CircuitPicture.Write(tmp.File("c.svg"), Sample());
        CircuitPicture.Write(tmp.File("c.dot"), Sample());
        Assert.StartsWith("<svg", File.ReadAllText(tmp.File("c.svg")));
        Assert.StartsWith("digraph", File.ReadAllText(tmp.File("c.dot")));
        Assert.Contains(".svg, .dot", Assert.Throws<ArgumentException>(() => CircuitPicture.Write(tmp.File("c.png"), Sample())).Message);
        Assert.False(File.Exists(tmp.File("c.png")));
    }
}
