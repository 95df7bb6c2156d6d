namespace Engine.Estimation;

/// <summary>A real function of one variable; a struct or ref struct so the solvers call it without allocation.</summary>
internal interface IScalarFunction
{
    double Evaluate(double x);
}

/// <summary>
/// Brent's root bracketing (zeroin) and minimisation (fmin), following the step rules of R's uniroot and optimize so
/// that, where a score has several roots, the root found is the one catR finds.
/// </summary>
internal static class BrentSolver
{
    private const double Epsilon = 2.220446049250313e-16; // DBL_EPSILON, as in R's solvers

    /// <summary>A root of f in [lower, upper] given f at both ends with opposite signs (or a zero at an end).</summary>
    public static double FindRoot<TFunction>(ref TFunction f, double lower, double upper, double fLower, double fUpper, double tolerance, int maxIterations = 1000)
        where TFunction : IScalarFunction, allows ref struct
    {
        double a = lower, b = upper, fa = fLower, fb = fUpper;
        double c = a, fc = fa;
        if (fa == 0) return a;
        if (fb == 0) return b;
        for (var iteration = 0; iteration <= maxIterations; iteration++)
        {
            var previousStep = b - a;
            if (Math.Abs(fc) < Math.Abs(fb))
            {
                a = b; b = c; c = a;
                fa = fb; fb = fc; fc = fa;
            }
            var tolerance1 = 2 * Epsilon * Math.Abs(b) + tolerance / 2;
            var step = (c - b) / 2;
            if (Math.Abs(step) <= tolerance1 || fb == 0) return b;

            if (Math.Abs(previousStep) >= tolerance1 && Math.Abs(fa) > Math.Abs(fb))
            {
                // Secant when only two points are known, inverse quadratic interpolation otherwise.
                double p, q;
                var cb = c - b;
                if (a == c)
                {
                    var t1 = fb / fa;
                    p = cb * t1;
                    q = 1 - t1;
                }
                else
                {
                    var qa = fa / fc;
                    var t1 = fb / fc;
                    var t2 = fb / fa;
                    p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1));
                    q = (qa - 1) * (t1 - 1) * (t2 - 1);
                }
                if (p > 0) q = -q;
                else p = -p;
                if (p < 0.75 * cb * q - Math.Abs(tolerance1 * q) / 2 && p < Math.Abs(previousStep * q / 2)) step = p / q;
            }
            if (Math.Abs(step) < tolerance1) step = step > 0 ? tolerance1 : -tolerance1;

            a = b; fa = fb;
            b += step;
            fb = f.Evaluate(b);
            if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0))
            {
                c = a; fc = fa;
            }
        }
        return b;
    }

    /// <summary>The argument minimising f on [lower, upper] (golden section with parabolic steps).</summary>
    public static double Minimize<TFunction>(ref TFunction f, double lower, double upper, double tolerance)
        where TFunction : IScalarFunction, allows ref struct
    {
        var golden = (3 - Math.Sqrt(5)) * 0.5;
        var eps = Math.Sqrt(Epsilon);
        double a = lower, b = upper;
        var v = a + golden * (b - a);
        double w = v, x = v;
        double d = 0, e = 0;
        var fx = f.Evaluate(x);
        double fv = fx, fw = fx;
        var tolerance3 = tolerance / 3;

        while (true)
        {
            var xm = (a + b) * 0.5;
            var tolerance1 = eps * Math.Abs(x) + tolerance3;
            var tolerance2 = tolerance1 * 2;
            if (Math.Abs(x - xm) <= tolerance2 - (b - a) * 0.5) return x;

            double p = 0, q = 0, r = 0;
            if (Math.Abs(e) > tolerance1)
            {
                r = (x - w) * (fx - fv);
                q = (x - v) * (fx - fw);
                p = (x - v) * q - (x - w) * r;
                q = (q - r) * 2;
                if (q > 0) p = -p;
                else q = -q;
                r = e;
                e = d;
            }

            if (Math.Abs(p) >= Math.Abs(q * 0.5 * r) || p <= q * (a - x) || p >= q * (b - x))
            {
                e = x < xm ? b - x : a - x;
                d = golden * e;
            }
            else
            {
                d = p / q;
                var u0 = x + d;
                if (u0 - a < tolerance2 || b - u0 < tolerance2)
                {
                    d = tolerance1;
                    if (x >= xm) d = -d;
                }
            }

            var u = Math.Abs(d) >= tolerance1 ? x + d : d > 0 ? x + tolerance1 : x - tolerance1;
            var fu = f.Evaluate(u);

            if (fu <= fx)
            {
                if (u < x) b = x;
                else a = x;
                v = w; w = x; x = u;
                fv = fw; fw = fx; fx = fu;
            }
            else
            {
                if (u < x) a = u;
                else b = u;
                if (fu <= fw || w == x)
                {
                    v = w; fv = fw;
                    w = u; fw = fu;
                }
                else if (fu <= fv || v == x || v == w)
                {
                    v = u; fv = fu;
                }
            }
        }
    }
}
