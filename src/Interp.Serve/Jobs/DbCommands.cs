// One way to build a parameterised command for both queue dialects (SQLite, PostgreSQL): the job store and the eval
// store share it. A null value is sent as a typed NULL so PostgreSQL can infer the parameter's type.
using System.Data.Common;

namespace Interp.Serve.Jobs;

internal static class DbCommands
{
    public static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (n, v) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = n;
            p.Value = v ?? DBNull.Value;
            if (v is null) p.DbType = System.Data.DbType.String;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }
}
