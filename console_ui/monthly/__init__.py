"""The monthly analysis report (热线运行月报): figures frozen per period, written as a Word document."""
