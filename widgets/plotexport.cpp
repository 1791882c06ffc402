#include "plotexport.h"

#include <qcustomplot.h>

namespace fbnet {

bool savePlot(QCustomPlot *plot, const QString &path)
{
    if (path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive))
        return plot->savePdf(path, 900, 600);
    if (path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive))
        return plot->savePng(path, 900, 600);
    return false;
}

} // namespace fbnet
